package dev.byob.hosting.appservice;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/** An executor whose tasks wait until the test runs them, on the test's thread; rejects beyond a capacity. */
final class ManualExecutor implements Executor {
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private final int capacity;

    ManualExecutor(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public void execute(Runnable task) {
        if (tasks.size() >= capacity) {
            throw new RejectedExecutionException("full");
        }
        tasks.add(task);
    }

    int waiting() {
        return tasks.size();
    }

    /** Runs the oldest waiting task. */
    void runOne() {
        Runnable task = tasks.poll();
        if (task == null) {
            throw new IllegalStateException("no task waiting");
        }
        task.run();
    }
}
