package dev.moat.server.reliability;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Reaches the package-private parsers the fuzz targets call directly ({@code Bodies.checkRequest},
 * {@code SocketIo.parse}, {@code TokenVerifier.verifyNow}), so that the suite lives in its own
 * package without widening anybody's API. A call unwraps {@link InvocationTargetException}: the
 * target sees exactly what the parser threw.
 */
final class Internals {
    private Internals() {
    }

    static Class<?> type(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the suite expects " + name + " to exist", e);
        }
    }

    static Method method(String type, String name, Class<?>... params) {
        return method(type(type), name, params);
    }

    static Method method(Class<?> type, String name, Class<?>... params) {
        try {
            Method m = type.getDeclaredMethod(name, params);
            m.setAccessible(true);
            return m;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("the suite expects " + type.getName() + "#" + name + " to exist", e);
        }
    }

    static Constructor<?> constructor(String type, Class<?>... params) {
        try {
            Constructor<?> c = type(type).getDeclaredConstructor(params);
            c.setAccessible(true);
            return c;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("the suite expects a constructor of " + type, e);
        }
    }

    /** Calls {@code m}, rethrowing what the method itself threw. */
    static Object call(Method m, Object target, Object... args) {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw sneaky(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static Object create(Constructor<?> c, Object... args) {
        try {
            return c.newInstance(args);
        } catch (InvocationTargetException e) {
            throw sneaky(e.getCause());
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
