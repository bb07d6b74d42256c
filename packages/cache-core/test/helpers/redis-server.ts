/**
 * Real `redis-server` processes for integration tests and benchmarks: a standalone server or a
 * 3-master Redis Cluster on free loopback ports, without persistence (`--save '' --appendonly no`),
 * stopped by PID. Every server started here is also killed when the process exits, so a crashed
 * test run leaves nothing behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT =
  'redis-server is not installed: run `apt-get update && apt-get install -y redis-server` ' +
  '(bash .ci/setup installs it). The Redis backend tests need a real server and are not skipped.';

/** Throws with an install hint when `redis-server` / `redis-cli` are not on PATH. */
export function assertRedisInstalled(): void {
  for (const binary of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) throw new Error(`${INSTALL_HINT} (${binary} not found)`);
  }
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port whose cluster-bus port (port + 10000) is free too. Random start so that
 * parallel test files rarely race for the same port.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) return port;
  }
  throw new Error('no free loopback port pair (port, port + 10000) found for redis-server');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts a server on a free loopback port and waits until it accepts connections. */
  static async start(extraArgs: readonly string[] = []): Promise<RedisServer> {
    assertRedisInstalled();
    const dir = mkdtempSync(join(tmpdir(), 'cachelab-redis-'));
    const server = new RedisServer(await freePort(), dir, extraArgs);
    await server.restart();
    return server;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** (Re)starts the process on the same port; the data set starts empty (no persistence). */
  async restart(): Promise<void> {
    if (this.child) throw new Error(`redis-server on port ${this.port} is already running`);
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', this.dir,
      '--daemonize', 'no',
      '--loglevel', 'warning',
      ...this.extraArgs,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = '';
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child = child;
    live.add(child);
    child.once('exit', () => {
      live.delete(child);
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`redis-server exited at start on port ${this.port}:\n${this.output}`);
      if (await canConnect(this.port)) return;
      await sleep(20);
    }
    await this.stop();
    throw new Error(`redis-server did not accept connections on port ${this.port} within 10 s:\n${this.output}`);
  }

  /** Kills the process by PID (SIGKILL: an abrupt crash, not a clean shutdown) and waits for exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Freezes / thaws the process (SIGSTOP / SIGCONT): the socket stays open but nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Runs `redis-cli` against this server and returns its stdout. */
  cli(...args: string[]): string {
    const result = spawnSync('redis-cli', ['-h', this.host, '-p', String(this.port), ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** Stops the server and removes its working directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three masters, no replicas, all 16384 slots assigned. */
export class RedisClusterServers {
  private constructor(readonly servers: readonly RedisServer[]) {}

  static async start(): Promise<RedisClusterServers> {
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        servers.push(
          await RedisServer.start([
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-node-timeout', '2000',
          ]),
        );
      }
      const create = spawnSync(
        'redis-cli',
        ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { encoding: 'utf8' },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
      const cluster = new RedisClusterServers(servers);
      await cluster.waitUntilOk();
      return cluster;
    } catch (error) {
      await Promise.all(servers.map((s) => s.dispose()));
      throw error;
    }
  }

  get nodes(): { host: string; port: number }[] {
    return this.servers.map((s) => ({ host: s.host, port: s.port }));
  }

  private async waitUntilOk(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const ok = this.servers.every((s) => s.cli('cluster', 'info').includes('cluster_state:ok'));
      if (ok) return;
      await sleep(100);
    }
    throw new Error('the 3-node Redis Cluster did not reach cluster_state:ok within 15 s');
  }

  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.dispose()));
  }
}
