/**
 * The hosting bridge's configuration: {@link dev.byob.hosting.config.BridgeConfig} and its parts, loaded from
 * YAML and validated as a whole, each problem reported as {@code file: key: reason}
 * ({@link dev.byob.kit.config.ConfigException}); the application-service
 * {@link dev.byob.hosting.config.Registration} made from it; and the commented
 * {@link dev.byob.hosting.config.ExampleConfig}.
 */
package dev.byob.hosting.config;
