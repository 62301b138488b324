pub mod completion;
pub mod defaults;
