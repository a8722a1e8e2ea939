import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** Seller is a row of `sellers`: a merchant, bus operator or property owner (SPEC.md §2). */
export class Seller extends Model<InferAttributes<Seller>, InferCreationAttributes<Seller>> {
  declare id: string;
  declare name: string;
  declare kind: 'merchant' | 'bus_operator' | 'property_owner';
  declare approvalStatus: CreationOptional<'pending' | 'approved' | 'suspended'>;
  declare approvedAt: CreationOptional<Date | null>;
  declare suspendedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** Models is the set of Sequelize models holdfast defines. */
export interface Models {
  Seller: typeof Seller;
}

const timestamps = {
  createdAt: { type: DataTypes.DATE, allowNull: false },
  updatedAt: { type: DataTypes.DATE, allowNull: false },
};

/**
 * initModels defines the models on `sequelize` (snake_case columns, camelCase attributes).
 * Tables are created by migrations, never by `sync()`. Plain CRUD goes through models; the
 * locking transactions of stock and money use explicit SQL, where the lock order and the
 * single-statement updates (`reserved = reserved + n`) must be visible in the code.
 */
export function initModels(sequelize: Sequelize): Models {
  const common = { sequelize, underscored: true, timestamps: true };
  Seller.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      name: { type: DataTypes.TEXT, allowNull: false },
      kind: { type: DataTypes.TEXT, allowNull: false },
      approvalStatus: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'pending' },
      approvedAt: { type: DataTypes.DATE, allowNull: true },
      suspendedAt: { type: DataTypes.DATE, allowNull: true },
      ...timestamps,
    },
    { ...common, tableName: 'sellers' },
  );
  return { Seller };
}
