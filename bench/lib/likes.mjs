// Like requests that never repeat a (product, user) pair, across every scenario of a run, so each
// one is a real new like (200), not an "already liked" 400.

export class LikeTraffic {
  /** `tokens[i]` is the bearer token of user i. */
  constructor(tokens) {
    this.tokens = tokens;
    this.spreadNext = 0;
    this.hotNext = 0;
  }

  /**
   * Likes spread over `productIds`: consecutive requests go to different products, and each
   * product sees each user at most once.
   */
  spread(productIds, onLiked) {
    return [
      {
        method: 'POST',
        setupRequest: (req) => ({ ...req, ...this.nextSpread(productIds) }),
        ...(onLiked ? { onResponse: (status, body) => status === 200 && onLiked(JSON.parse(body).like.id) } : {}),
      },
    ];
  }

  /** The next spread like as { path, headers }; shared by closed- and open-loop load. */
  nextSpread(productIds) {
    const i = this.spreadNext++;
    if (i >= productIds.length * this.tokens.length) throw new Error('out of unique (product, user) pairs: mint more tokens');
    const productId = productIds[i % productIds.length];
    const user = Math.floor(i / productIds.length);
    return { path: `/api/products/${productId}/like`, headers: { authorization: `Bearer ${this.tokens[user]}` } };
  }

  /** `count` spread likes as plain request specs, for the open-loop generator (each used once). */
  takeSpread(productIds, count) {
    return Array.from({ length: count }, () => ({ method: 'POST', ...this.nextSpread(productIds) }));
  }

  /** Every like on one product, each from a new user. */
  hot(productId) {
    return [
      {
        method: 'POST',
        setupRequest: (req) => {
          const user = this.hotNext++;
          if (user >= this.tokens.length) throw new Error('out of users for the hot product: mint more tokens');
          return { ...req, path: `/api/products/${productId}/like`, headers: { authorization: `Bearer ${this.tokens[user]}` } };
        },
      },
    ];
  }
}
