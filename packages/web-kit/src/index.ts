export { ApiError, callApi, messageOf, type ApiAnswer, type CallOptions, type FieldProblem } from './api';
export { useSession, type Role, type Session } from './session';
export { SignInForm } from './SignInForm';
export { LiveFeed, useLiveFeed, type LiveHandlers, type LiveStatus, type ProductChangeMessage, type ProductEvent } from './live';
export { LiveIndicator } from './LiveIndicator';
export { ProductImage } from './ProductImage';
export { PageErrorBoundary } from './PageErrorBoundary';
