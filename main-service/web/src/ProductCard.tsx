import { ProductImage } from '@catalogue/web-kit';
import type { Product } from './api';

interface Props {
  product: Product;
  liked: boolean;
  signedIn: boolean;
  /** Why the last like or unlike of this product failed, if it did. */
  error: string | null;
  onToggleLike: (product: Product) => void;
}

/** The id of a product's like button, so focus can be put back on it (after signing in, say). */
export const likeButtonId = (productId: number) => `like-${productId}`;

/**
 * One product. The like button is a toggle (aria-pressed) that stays focusable when pressed, and
 * keeps its name whatever its state, as toggle buttons should. The count is not a live region:
 * on a busy page every like from anyone would be read out; the gallery announces the person's own.
 */
export function ProductCard({ product, liked, signedIn, error, onToggleLike }: Props) {
  const titleId = `product-${product.id}-title`;
  const likesLabel = `${product.likes} ${product.likes === 1 ? 'like' : 'likes'}`;

  return (
    <li className="product card" aria-labelledby={titleId} data-product-id={product.id}>
      <ProductImage className="image" src={product.image} title={product.title} width={400} height={300} />
      <h3 id={titleId}>{product.title}</h3>
      <div className="like-row">
        <span className="likes">{likesLabel}</span>
        <button
          id={likeButtonId(product.id)}
          type="button"
          className={liked ? 'liked' : 'primary'}
          aria-pressed={liked}
          aria-label={signedIn ? `Like ${product.title}` : `Like ${product.title} (sign in first)`}
          onClick={() => onToggleLike(product)}
        >
          <span aria-hidden="true">{liked ? '♥' : '♡'}</span> Like
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
