import type { ProductChangeMessage } from '@catalogue/web-kit';
import { PAGE_SIZE, type Product, type ProductPage } from './api';

/**
 * A page after one live message, and whether it must be read again because the message moves
 * products across its edges. The list is oldest first: a new product belongs on the last page
 * (appended while it has room); a deleted one makes room for the next page's first.
 */
export function applyMessage(page: ProductPage, { event, product }: ProductChangeMessage): { page: ProductPage; readAgain: boolean } {
  const index = page.products.findIndex((p) => p.id === product.id);
  const shown = index >= 0;
  const replace = (change: Partial<Product>) => ({
    ...page,
    products: page.products.map((p, i) => (i === index ? { ...p, ...change } : p)),
  });
  switch (event) {
    case 'product_likes':
      return { page: shown && product.likes !== undefined ? replace({ likes: product.likes }) : page, readAgain: false };
    case 'product_updated':
      return { page: shown ? replace(known(product)) : page, readAgain: false };
    case 'product_deleted': {
      if (!shown) return { page, readAgain: false };
      const products = page.products.filter((p) => p.id !== product.id);
      return { page: { ...page, products }, readAgain: Boolean(page.next) || products.length === 0 };
    }
    case 'product_created': {
      if (shown) return { page: replace(known(product)), readAgain: false };
      if (page.next) return { page, readAgain: false };
      if (page.products.length >= PAGE_SIZE || !isComplete(product)) return { page, readAgain: true };
      return { page: { ...page, products: [...page.products, product] }, readAgain: false };
    }
  }
}

function known(product: ProductChangeMessage['product']): Partial<Product> {
  const change: Partial<Product> = {};
  if (product.title !== undefined) change.title = product.title;
  if (product.image !== undefined) change.image = product.image;
  if (product.likes !== undefined) change.likes = product.likes;
  return change;
}

function isComplete(product: ProductChangeMessage['product']): product is Product {
  return product.title !== undefined && product.image !== undefined && product.likes !== undefined;
}
