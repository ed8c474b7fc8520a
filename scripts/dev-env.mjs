// Development-only settings for `npm run setup` and `npm start`: the database users and passwords
// that setup creates locally. Production reads its own from the environment or Secrets Manager.
export const DEV_SHARED = { NODE_ENV: 'development' };
export const DEV_ADMIN = { PORT: '8000', DB_USER: 'catalogue_admin', DB_PASSWORD: 'admin-dev-password', DB_NAME: 'catalogue_admin' };
export const DEV_MAIN = { PORT: '5000', DB_USER: 'catalogue_main', DB_PASSWORD: 'main-dev-password', DB_NAME: 'catalogue_main', ADMIN_URL: 'http://127.0.0.1:8000' };

/** Values already in the environment win, so any setting can be overridden from the shell. */
export const withDevDefaults = (serviceEnv) => ({ ...DEV_SHARED, ...serviceEnv, ...process.env });
