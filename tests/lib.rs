//! Fixture and behaviour tests of the generator and the generated client.
