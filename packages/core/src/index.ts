export { SignetError, CoreError, hasErrorCode, type CoreErrorCode } from './errors.js';
