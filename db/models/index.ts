import {
  DataTypes,
  Model,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** Seller is a row of `sellers`: a merchant, bus operator or property owner (SPEC.md §2). */
export class Seller extends Model<InferAttributes<Seller>, InferCreationAttributes<Seller>> {
  declare id: string;
  declare name: string;
  declare kind: 'merchant' | 'bus_operator' | 'property_owner';
  declare approvalStatus: 'pending' | 'approved' | 'suspended';
  declare approvedAt: Date | null;
  declare suspendedAt: Date | null;
  declare createdAt: Date;
  declare updatedAt: Date;
}

/** Product is a row of `products`; `available` is derived as stockOnHand − reserved. */
export class Product extends Model<InferAttributes<Product>, InferCreationAttributes<Product>> {
  declare id: string;
  declare sellerId: string;
  declare sku: string;
  declare name: string;
  declare category: string | null;
  declare priceMinor: string;
  declare currency: string;
  declare stockOnHand: number;
  declare reserved: number;
  declare createdAt: Date;
  declare updatedAt: Date;
}

/** Account is a row of `accounts`: a ledger account with a cached balance (SPEC.md §5). */
export class Account extends Model<InferAttributes<Account>, InferCreationAttributes<Account>> {
  declare id: string;
  declare ownerId: string | null;
  declare kind: 'wallet' | 'retainer' | 'bank' | 'revenue' | 'external';
  declare currency: string;
  declare allowNegative: boolean;
  declare balanceMinor: string;
  declare pendingDebitsMinor: string;
  declare createdAt: Date;
  declare updatedAt: Date;
}

/** Models is the set of Sequelize models holdfast defines. */
export interface Models {
  Seller: typeof Seller;
  Product: typeof Product;
  Account: typeof Account;
}

const timestamps = {
  createdAt: { type: DataTypes.DATE, allowNull: false },
  updatedAt: { type: DataTypes.DATE, allowNull: false },
};

/**
 * initModels defines the models on `sequelize` (snake_case columns, camelCase attributes).
 * Tables are created by migrations, never by `sync()`.
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
  Product.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      sellerId: { type: DataTypes.UUID, allowNull: false },
      sku: { type: DataTypes.TEXT, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      category: { type: DataTypes.TEXT, allowNull: true },
      priceMinor: { type: DataTypes.BIGINT, allowNull: false },
      currency: { type: DataTypes.CHAR(3), allowNull: false },
      stockOnHand: { type: DataTypes.INTEGER, allowNull: false },
      reserved: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      ...timestamps,
    },
    { ...common, tableName: 'products' },
  );
  Account.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      ownerId: { type: DataTypes.UUID, allowNull: true },
      kind: { type: DataTypes.TEXT, allowNull: false },
      currency: { type: DataTypes.CHAR(3), allowNull: false },
      allowNegative: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      balanceMinor: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      pendingDebitsMinor: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      ...timestamps,
    },
    { ...common, tableName: 'accounts' },
  );
  return { Seller, Product, Account };
}
