import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { checkCoinsForSell, checkEthForTrade } from './checkWalletFunds.ts';

describe('checkEthForTrade', () => {
  const gwei = 10n ** 9n;
  it('accepts exactly enough for the amount plus gas', () => {
    const funds = { ethWei: parseEther('0.001') + 400_000n * gwei, maxFeePerGas: gwei };
    expect(checkEthForTrade(funds, { side: 'buy', spendWei: parseEther('0.001'), gasUnits: 400_000n })).toEqual({
      ok: true,
    });
  });

  it('names the balance and what a buy needs, gas included', () => {
    expect(
      checkEthForTrade(
        { ethWei: 0n, maxFeePerGas: gwei },
        { side: 'buy', spendWei: parseEther('0.001'), gasUnits: 400_000n },
      ),
    ).toEqual({
      ok: false,
      message:
        'Not enough ETH: this wallet holds 0 ETH; this buy needs 0.001 ETH plus about 0.0004 ETH of gas (0.0014 ETH)',
    });
    // One wei short of the gas is refused too.
    expect(
      checkEthForTrade(
        { ethWei: parseEther('0.0014') - 1n, maxFeePerGas: gwei },
        { side: 'buy', spendWei: parseEther('0.001'), gasUnits: 400_000n },
      ),
    ).toMatchObject({ ok: false });
  });

  it('a sell spends only gas', () => {
    expect(
      checkEthForTrade({ ethWei: 1n, maxFeePerGas: gwei }, { side: 'sell', spendWei: 0n, gasUnits: 540_000n }),
    ).toEqual({
      ok: false,
      message: 'Not enough ETH: this wallet holds 0.000000000000000001 ETH; this sell needs about 0.00054 ETH of gas',
    });
  });
});

describe('checkCoinsForSell', () => {
  it('accepts up to the balance, names both amounts beyond it, and refuses an empty wallet', () => {
    const coins = (n: string) => parseEther(n);
    expect(checkCoinsForSell({ balance: coins('12.5'), amountIn: coins('12.5'), symbol: 'SONG' })).toEqual({
      ok: true,
    });
    expect(checkCoinsForSell({ balance: coins('12.5'), amountIn: coins('12.5') + 1n, symbol: 'SONG' })).toEqual({
      ok: false,
      message: 'This wallet holds 12.5 SONG; cannot sell 12.500000000000000001',
    });
    expect(checkCoinsForSell({ balance: 0n, amountIn: 1n, symbol: 'SONG' })).toEqual({
      ok: false,
      message: 'This wallet holds no SONG',
    });
  });
});
