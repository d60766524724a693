//! Any text as a rhai script in the hardened engine, with the base record in scope: it is refused
//! at compile time, or runs to a value or an error within the engine's limits; it never panics,
//! hangs or exhausts memory.
#![no_main]

use std::sync::OnceLock;

use kakunin::script::{Limits, SCRIPT_VARIABLES, hardened_engine};
use kakunin_fuzz::base_record;
use libfuzzer_sys::fuzz_target;
use rhai::{Dynamic, Engine, Scope};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| hardened_engine(&Limits::default()))
}

fn record() -> &'static Dynamic {
    static RECORD: OnceLock<Dynamic> = OnceLock::new();
    RECORD.get_or_init(|| rhai::serde::to_dynamic(base_record()).expect("a JSON record converts"))
}

fn declared() -> Scope<'static> {
    let mut scope = Scope::new();
    for name in SCRIPT_VARIABLES {
        scope.push(name, Dynamic::UNIT);
    }
    scope
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ast) = engine().compile_with_scope(&declared(), source) else {
        return;
    };
    let mut scope = Scope::new();
    scope.push_constant("record", record().clone());
    scope.push_constant("as_of", Dynamic::from("2024-06-01"));
    scope.push_constant("reference_date", Dynamic::from("2021-08-10"));
    scope.push_constant("members", Dynamic::from_array(Vec::new()));
    let _ = engine().eval_ast_with_scope::<Dynamic>(&mut scope, &ast);
});
