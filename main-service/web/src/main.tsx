import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PageErrorBoundary } from '@catalogue/web-kit';
import '@catalogue/web-kit/base.css';
import './storefront.css';
import { App } from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PageErrorBoundary>
      <App />
    </PageErrorBoundary>
  </StrictMode>,
);
