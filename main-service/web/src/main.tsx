import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@catalogue/web-kit/base.css';
import './storefront.css';
import { App } from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
