export { ApiError, callApi, messageOf, type ApiAnswer, type CallOptions, type FieldProblem } from './api';
export { useSession, type Role, type Session } from './session';
export { SignInForm } from './SignInForm';
