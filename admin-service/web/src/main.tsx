import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { PageErrorBoundary } from '@catalogue/web-kit';
import '@catalogue/web-kit/base.css';
import './console.css';
import { App } from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PageErrorBoundary>
      <BrowserRouter basename="/admin">
        <App />
      </BrowserRouter>
    </PageErrorBoundary>
  </StrictMode>,
);
