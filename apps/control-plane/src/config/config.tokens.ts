/** Injection token of the parsed AppConfig. */
export const APP_CONFIG = Symbol("AppConfig");
/** Injection token of the root pino Logger; take a child with your component name. */
export const ROOT_LOGGER = Symbol("RootLogger");
