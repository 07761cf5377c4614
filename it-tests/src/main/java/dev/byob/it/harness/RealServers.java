package dev.byob.it.harness;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that uses real servers: parameters of type {@link Homeserver}, {@link IrcNetwork},
 * {@link PostgresServer} or {@link TestServers} are resolved to the JVM's shared servers, started on
 * first use. See {@link RealServersExtension}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(RealServersExtension.class)
public @interface RealServers {
}
