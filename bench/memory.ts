import { readFileSync } from "node:fs";

/** Resident set size of a process in MB, from /proc (Linux, where the bench runs). */
export function rssMegabytes(pid: number): number {
  return statusMegabytes(pid, "VmRSS");
}

/** The most a process has been resident over its life so far, in MB (VmHWM, the high-water mark). */
export function peakRssMegabytes(pid: number): number {
  return statusMegabytes(pid, "VmHWM");
}

function statusMegabytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Math.round(Number(match[1]) / 1024);
}
