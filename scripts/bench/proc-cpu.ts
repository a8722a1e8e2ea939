import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/*
 * CPU time per process, read from /proc (Linux): proc(5) `/proc/<pid>/stat` fields 14 utime,
 * 15 stime, 16 cutime and 17 cstime, in clock ticks (`getconf CLK_TCK`). A role's CPU is its
 * root process plus every live descendant; children that exited are in their parent's cutime
 * and cstime, so PostgreSQL backends that come and go between two samples are still counted.
 */

const run = promisify(execFile);

/** ProcStat is what the bench reads from one `/proc/<pid>/stat`. */
interface ProcStat {
  pid: number;
  ppid: number;
  /** cpuTicks is utime + stime + cutime + cstime. */
  cpuTicks: number;
}

/** clockTicksPerSecond returns `getconf CLK_TCK` (100 on Linux when getconf is missing). */
export async function clockTicksPerSecond(): Promise<number> {
  try {
    const { stdout } = await run('getconf', ['CLK_TCK']);
    const ticks = Number(stdout.trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** parseStat reads pid, ppid and CPU ticks from a stat line; the comm field may hold spaces. */
function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // After ")" come field 3 (state), 4 (ppid) … so field n is at index n − 3.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  const cpuTicks = at(14) + at(15) + at(16) + at(17);
  if (!Number.isFinite(cpuTicks)) return undefined;
  return { pid, ppid: at(4), cpuTicks };
}

/** readAllStats reads every process's stat; processes that exit while read are skipped. */
async function readAllStats(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(
    pids.map(async (pid) => {
      try {
        return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return undefined;
      }
    }),
  );
  return stats.filter((stat): stat is ProcStat => stat !== undefined);
}

/** treeTicks sums the CPU ticks of `root` and all its live descendants. */
function treeTicks(stats: ProcStat[], root: number): number {
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const self = stats.find((stat) => stat.pid === root);
  if (!self) return 0;
  let ticks = 0;
  const queue = [self];
  // Bounded by the number of processes: a tree has no cycles.
  for (let index = 0; index < queue.length && index < stats.length; index += 1) {
    const node = queue[index]!;
    ticks += node.cpuTicks;
    queue.push(...(children.get(node.pid) ?? []));
  }
  return ticks;
}

/** CpuSample is the CPU seconds used so far by each role's process tree, and by the machine. */
export interface CpuSample {
  atMs: number;
  ticksPerSecond: number;
  rolesCpuSeconds: Record<string, number>;
  machine: MachineTicks;
}

/** MachineTicks are the first line of /proc/stat: all ticks, idle (+ iowait) and steal. */
export interface MachineTicks {
  totalTicks: number;
  idleTicks: number;
  stealTicks: number;
}

async function readMachineTicks(): Promise<MachineTicks> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const totalTicks = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { totalTicks, idleTicks: values[3]! + values[4]!, stealTicks: values[7] ?? 0 };
}

/**
 * sampleCpu reads the CPU seconds of every role (`roles` maps a role name to its root pid)
 * and the machine's tick counters. A role whose process is gone reads 0.
 */
export async function sampleCpu(
  roles: Record<string, number>,
  ticksPerSecond: number,
): Promise<CpuSample> {
  const [stats, machine] = await Promise.all([readAllStats(), readMachineTicks()]);
  const rolesCpuSeconds: Record<string, number> = {};
  for (const [role, pid] of Object.entries(roles))
    rolesCpuSeconds[role] = treeTicks(stats, pid) / ticksPerSecond;
  return { atMs: Date.now(), ticksPerSecond, rolesCpuSeconds, machine };
}

/** CpuDelta is what happened between two samples. */
export interface CpuDelta {
  wallSeconds: number;
  rolesCpuSeconds: Record<string, number>;
  /** machineBusyPercent is the share of all cores' time not idle (100 = every core busy). */
  machineBusyPercent: number;
  /** machineBusyCpuSeconds is the CPU time all cores spent not idle. */
  machineBusyCpuSeconds: number;
  /** machineStealPercent is the share stolen by the hypervisor (a noisy neighbour). */
  machineStealPercent: number;
}

/** cpuDelta subtracts `before` from `after`, role by role. */
export function cpuDelta(before: CpuSample, after: CpuSample): CpuDelta {
  const rolesCpuSeconds: Record<string, number> = {};
  for (const role of Object.keys(after.rolesCpuSeconds))
    rolesCpuSeconds[role] = Math.max(
      0,
      after.rolesCpuSeconds[role]! - (before.rolesCpuSeconds[role] ?? 0),
    );
  const totalTicks = Math.max(1, after.machine.totalTicks - before.machine.totalTicks);
  const idleTicks = after.machine.idleTicks - before.machine.idleTicks;
  const stealTicks = after.machine.stealTicks - before.machine.stealTicks;
  return {
    wallSeconds: (after.atMs - before.atMs) / 1000,
    rolesCpuSeconds,
    machineBusyPercent: (100 * (totalTicks - idleTicks)) / totalTicks,
    machineBusyCpuSeconds: (totalTicks - idleTicks) / after.ticksPerSecond,
    machineStealPercent: (100 * stealTicks) / totalTicks,
  };
}

/** findPidByCmdline returns the pid of a process whose arguments include every one of `args`. */
export async function findPidByCmdline(args: string[]): Promise<number | undefined> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    try {
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      if (args.every((arg) => argv.includes(arg))) return Number(pid);
    } catch {
      // The process exited while we looked.
    }
  }
  return undefined;
}
