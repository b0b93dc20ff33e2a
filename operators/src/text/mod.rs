//! Text: titles, counters and clocks drawn over an image (`text`), shaped and rasterised
//! on the CPU ([`layout`]) with placeholders of time and frame ([`format`]).

pub mod format;
pub mod layout;

vivid_engine::operator_modules! {
    text::Text,
}
