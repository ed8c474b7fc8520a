import { createTransactionRunner } from '@catalogue/shared';
import type { DataSource } from 'typeorm';
import { addProduct } from './products.service';
import { anyProductLocked } from './products.repository';

/**
 * The demo catalogue a fresh development setup starts with: everyday homeware, each with a small
 * SVG picture kept in the repository (`main-service/web/public/demo/`), which main serves with its
 * storefront at `/demo/` (so pictures load offline, from the machine itself).
 */
export const DEMO_PRODUCTS: readonly { title: string; picture: string }[] = [
  { title: 'Brass desk lamp', picture: 'brass-desk-lamp.svg' },
  { title: 'Walnut floor lamp', picture: 'walnut-floor-lamp.svg' },
  { title: 'Linen pendant light', picture: 'linen-pendant-light.svg' },
  { title: 'Oak dining chair', picture: 'oak-dining-chair.svg' },
  { title: 'Velvet armchair', picture: 'velvet-armchair.svg' },
  { title: 'Rattan stool', picture: 'rattan-stool.svg' },
  { title: 'Ceramic teapot', picture: 'ceramic-teapot.svg' },
  { title: 'Blue stoneware mug', picture: 'blue-stoneware-mug.svg' },
  { title: 'Green stoneware mug', picture: 'green-stoneware-mug.svg' },
  { title: 'Enamel kettle', picture: 'enamel-kettle.svg' },
  { title: 'Glass carafe', picture: 'glass-carafe.svg' },
  { title: 'Terracotta plant pot', picture: 'terracotta-plant-pot.svg' },
  { title: 'Fern in a white pot', picture: 'fern-in-a-white-pot.svg' },
  { title: 'Station wall clock', picture: 'station-wall-clock.svg' },
  { title: 'Copper alarm clock', picture: 'copper-alarm-clock.svg' },
  { title: 'Round hall mirror', picture: 'round-hall-mirror.svg' },
  { title: 'Bud vase', picture: 'bud-vase.svg' },
  { title: 'Tall blue vase', picture: 'tall-blue-vase.svg' },
  { title: 'Linen cushion', picture: 'linen-cushion.svg' },
  { title: 'Striped cushion', picture: 'striped-cushion.svg' },
  { title: 'Jute rug', picture: 'jute-rug.svg' },
  { title: 'Wool throw blanket', picture: 'wool-throw-blanket.svg' },
  { title: 'Oak bookshelf', picture: 'oak-bookshelf.svg' },
  { title: 'Marble side table', picture: 'marble-side-table.svg' },
  { title: 'Beeswax candle', picture: 'beeswax-candle.svg' },
  { title: 'White pillar candle', picture: 'white-pillar-candle.svg' },
  { title: 'Picture frame', picture: 'picture-frame.svg' },
  { title: 'Olive wood bowl', picture: 'olive-wood-bowl.svg' },
  { title: 'Copper saucepan', picture: 'copper-saucepan.svg' },
  { title: 'Seagrass basket', picture: 'seagrass-basket.svg' },
  { title: 'Retro radio', picture: 'retro-radio.svg' },
  { title: 'Wine glasses (pair)', picture: 'wine-glasses.svg' },
  { title: 'Notebook set', picture: 'notebook-set.svg' },
  { title: 'Ash bar stool', picture: 'ash-bar-stool.svg' },
  { title: 'Green reading lamp', picture: 'green-reading-lamp.svg' },
  { title: 'Woven pendant light', picture: 'woven-pendant-light.svg' },
];

/**
 * Creates the demo products when admin has never had a product (deleted ones count: a catalogue
 * someone used is not empty), through admin's own path: each product with its product_created
 * event in the outbox, committed together, so main receives them as events once admin's relay
 * publishes them (a running admin within its sweep interval, or a starting one at once). All or
 * nothing, in one transaction that first locks the table's end, so two seeds at once make one
 * catalogue. Returns how many products it created (0 when the catalogue was not empty).
 */
export async function seedDemoCatalogue(dataSource: DataSource, picturesUrl: string): Promise<number> {
  const runInTransaction = createTransactionRunner(dataSource, { idempotent: false });
  return runInTransaction(async (tx) => {
    if (await anyProductLocked(tx)) return 0;
    for (const demo of DEMO_PRODUCTS) await addProduct(tx, { title: demo.title, image: new URL(demo.picture, picturesUrl).href });
    return DEMO_PRODUCTS.length;
  });
}
