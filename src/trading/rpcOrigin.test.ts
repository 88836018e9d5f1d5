import { describe, expect, it } from 'vitest';
import { rpcOrigin } from './rpcOrigin.ts';

describe('rpcOrigin', () => {
  it('keeps scheme, host and port, never the path, query, fragment or user info that may carry a key', () => {
    expect(rpcOrigin('https://base-mainnet.example/v2/abcdef0123456789')).toBe('https://base-mainnet.example');
    expect(rpcOrigin('https://rpc.example:8443/?apikey=secret#x')).toBe('https://rpc.example:8443');
    expect(rpcOrigin('https://user:password@rpc.example/key')).toBe('https://rpc.example');
    expect(rpcOrigin('wss://rpc.example/ws/secret')).toBe('wss://rpc.example');
    expect(rpcOrigin('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545');
    expect(rpcOrigin('http://[::1]:8545/x')).toBe('http://[::1]:8545');
  });

  it('says nothing of a value that is not a URL', () => {
    expect(rpcOrigin('not a url with secret')).toBe('the configured RPC');
  });
});
