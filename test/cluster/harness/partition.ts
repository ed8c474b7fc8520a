import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { guardAgainstOrphans } from '../../faults/harness/servers';
import type { RabbitNodeSpec } from './rabbit-node';

/**
 * Cuts one broker node off from its peers without stopping it: an nftables table of this run's
 * own drops the Erlang distribution traffic between that node and the others, on loopback only.
 * Each node's distribution connections leave from an address of its own (RabbitNodeSpec's
 * distSourceIp) and every node listens on 127.0.0.1 at its own port, so the rules match exactly
 * the links of this cluster; clients, the CLI and everything else on the machine pass untouched.
 * Always `heal()`; a guardian deletes the table if this process dies first.
 */
export class LoopbackPartition {
  private readonly table = `cluster_partition_${randomBytes(3).toString('hex')}`;
  private guarded = false;

  async cutOff(isolated: RabbitNodeSpec, others: RabbitNodeSpec[]): Promise<void> {
    if (!this.guarded) {
      guardAgainstOrphans(`nft delete table inet ${this.table} 2>/dev/null`);
      this.guarded = true;
    }
    const peerIps = others.map((o) => o.distSourceIp).join(', ');
    const peerPorts = others.map((o) => o.distPort).join(', ');
    const rules = [
      `table inet ${this.table} {`,
      '  chain output {',
      '    type filter hook output priority 0; policy accept;',
      // Its own connections to the peers' listeners, both directions.
      `    ip saddr ${isolated.distSourceIp} tcp dport { ${peerPorts} } drop`,
      `    ip daddr ${isolated.distSourceIp} tcp sport { ${peerPorts} } drop`,
      // The peers' connections to its listener, both directions.
      `    ip saddr { ${peerIps} } tcp dport ${isolated.distPort} drop`,
      `    ip daddr { ${peerIps} } tcp sport ${isolated.distPort} drop`,
      '  }',
      '}',
      '',
    ].join('\n');
    await nft(['-f', '-'], rules);
  }

  async heal(): Promise<void> {
    await nft(['delete', 'table', 'inet', this.table]).catch((err: Error) => {
      if (!/No such file or directory/.test(err.message)) throw err;
    });
  }
}

async function nft(args: string[], stdin?: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      const child = execFile('nft', args, { timeout: 15_000 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`nft ${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
      );
      // nft may exit before reading its input (EPIPE): its exit status is what counts.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(stdin);
    });
  } catch (err) {
    if ((err as Error).message.includes('ENOENT'))
      throw new Error('nft is missing: install Debian nftables (.ci/run does) to cut a broker node off', { cause: err });
    throw err;
  }
}
