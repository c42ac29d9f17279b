//! Server-side drawing, with no network and no tiles: the map of France (départements with the
//! overseas départements as insets) and statistics charts as SVG, and the dossier as a PDF.
//! Pure functions of their input; the web layer feeds them from the store.

pub mod chart;
pub mod map;
pub mod pdf;
