//! Naming a test the way libtest does, for tests that re-run themselves in a child process.

/// The name libtest lists test `name` of module `module_path` under: `module_path!()` without
/// the test binary's crate name (`it::concurrency` + `f` → `concurrency::f`). A test that
/// re-runs itself in a child (`current_exe() --exact <name>`) passes `module_path!()`, so the
/// filter stays right wherever the test's module sits.
pub fn libtest_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{name}"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::libtest_name;

    #[test]
    fn drops_the_crate_name() {
        assert_eq!(libtest_name("it", "f"), "f");
        assert_eq!(libtest_name("it::concurrency", "f"), "concurrency::f");
        assert_eq!(libtest_name("it::a::b", "f"), "a::b::f");
    }
}
