pub mod completion;
pub mod defaults;
pub mod manpages;
