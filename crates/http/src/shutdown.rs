//! What runs after the server has drained on SIGTERM: hooks registered by the parts that hold
//! something another instance should take over (claims on queued work, say), in order.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Hook = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// A list of named hooks, shared: clone it to register from anywhere before shutdown.
#[derive(Clone, Default)]
pub struct ShutdownHooks {
    hooks: Arc<Mutex<Vec<(&'static str, Hook)>>>,
}

impl ShutdownHooks {
    /// Adds a hook, run after every request in flight has been answered (or the grace period
    /// has ended), before the process exits.
    pub fn add<F, Fut>(&self, name: &'static str, hook: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let hook: Hook = Box::new(move || Box::pin(hook()));
        self.hooks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name, hook));
    }

    /// Runs the hooks in the order they were added, each for at most `limit`; a hook that
    /// overruns is abandoned (and logged) so shutdown always ends.
    pub async fn run(&self, limit: Duration) {
        let hooks = std::mem::take(&mut *self.hooks.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        for (name, hook) in hooks {
            match actix_web::rt::time::timeout(limit, hook()).await {
                Ok(()) => tracing::info!(hook = name, "shutdown hook done"),
                Err(_) => tracing::warn!(hook = name, "shutdown hook overran its time and was abandoned"),
            }
        }
    }
}

impl std::fmt::Debug for ShutdownHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.hooks.lock().map_or(0, |hooks| hooks.len());
        f.debug_struct("ShutdownHooks").field("count", &count).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn hooks_run_once_in_order_and_an_overrunning_one_is_abandoned() {
        let hooks = ShutdownHooks::default();
        let ran = Arc::new(Mutex::new(Vec::new()));
        for name in ["first", "second"] {
            let ran = ran.clone();
            hooks.add(name, move || async move { ran.lock().unwrap().push(name) });
        }
        hooks.add("stuck", std::future::pending::<()>);
        hooks.clone().run(Duration::from_millis(50)).await;
        hooks.run(Duration::from_millis(50)).await;
        assert_eq!(*ran.lock().unwrap(), ["first", "second"]);
    }
}
