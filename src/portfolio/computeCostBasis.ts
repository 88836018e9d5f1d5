/** One indexed swap of a coin by the portfolio's addresses (raw coin units, wei). */
export interface PortfolioTrade {
  side: 'buy' | 'sell';
  coinAmount: bigint;
  ethAmount: bigint;
}

/** The average-cost position the swaps leave: coins bought and not sold (`quantity`), what they cost (`costWei`), and
 * the profit or loss the sells realized. */
export interface CostPosition {
  quantity: bigint;
  costWei: bigint;
  realizedPnlWei: bigint;
}

/** Replay swaps in chain order with average cost: a buy adds its coins and its ETH to the position; a sell takes the
 * coins out at the position's average cost (cost x sold / quantity, rounded down) and realizes its ETH minus that
 * cost. Coins sold beyond the position (received by transfer, without a cost) cost nothing. Exact bigint math. Pure. */
export function computeCostBasis(trades: readonly PortfolioTrade[]): CostPosition {
  let quantity = 0n;
  let costWei = 0n;
  let realizedPnlWei = 0n;
  for (const trade of trades) {
    if (trade.side === 'buy') {
      quantity += trade.coinAmount;
      costWei += trade.ethAmount;
      continue;
    }
    const covered = trade.coinAmount < quantity ? trade.coinAmount : quantity;
    const costOut = quantity === 0n ? 0n : (costWei * covered) / quantity;
    realizedPnlWei += trade.ethAmount - costOut;
    quantity -= covered;
    costWei -= costOut;
  }
  return { quantity, costWei, realizedPnlWei };
}

/** The cost of the coins held now: the position's average cost times the balance, up to the position (coins held
 * beyond it came by transfer and cost nothing; a balance below it means coins left by transfer, taking their average
 * cost with them). Pure. */
export function costOfBalance(position: CostPosition, balance: bigint): bigint {
  if (position.quantity === 0n || balance <= 0n) return 0n;
  const held = balance < position.quantity ? balance : position.quantity;
  return (position.costWei * held) / position.quantity;
}
