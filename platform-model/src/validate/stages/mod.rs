//! The checks of one entity, one file per stage in Backstage's order: the
//! envelope and annotations, the entity policies (the `Entity` schema, no
//! foreign root fields, field formats), the kind validators, the Location
//! step, and the relations.

pub(crate) mod envelope;
pub(super) mod fields;
pub(super) mod kind;
pub(super) mod location;
pub(super) mod policy;
pub(super) mod relations;
