import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

// Every end-to-end file imports this module: each of its tests starts processes (tsx compiles
// on start), which on a busy two-core machine takes far longer than a unit test's 30 s.
jest.setTimeout(120_000);

export interface RunningBeklijf {
  readonly url: string;
  readonly output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `npm start`'s process (services/all) as a child on a free port and waits until it listens. */
export async function runBeklijf(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<RunningBeklijf> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, "services/all/bin/beklijf-server.js")],
    {
      cwd: ROOT,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "/tmp",
        PORT: "0",
        LOG_LEVEL: "warn",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`beklijf did not start within ${timeoutMs} ms:\n${output}`),
      );
    }, timeoutMs);
    const onData = (): void => {
      const match = /beklijf is running on (http:\/\/localhost:\d+)/.exec(
        output,
      );
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `beklijf exited with ${String(code)} before it listened:\n${output}`,
        ),
      );
    });
  });
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve(child.exitCode);
          return;
        }
        child.once("exit", (code) => {
          resolve(code);
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Runs `npx beklijf …` (the CLI bin) and parses its JSON output. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "services/cli/bin/beklijf.js"), ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "/tmp",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.once("exit", resolve),
  );
  return { code, stdout, stderr };
}
