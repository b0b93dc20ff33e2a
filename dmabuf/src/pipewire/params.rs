//! The stream's parameters as SPA pods: the video formats it offers (the pool's size and
//! pixel format, with the DRM modifier where the pool is DMA-BUF) and, once a format is
//! agreed, the buffers (one per slot, of the slot's size and stride, of one memory type).

use pipewire::spa;
use spa::param::ParamType;
use spa::param::format::{FormatProperties, MediaSubtype, MediaType};
use spa::param::video::VideoFormat;
use spa::pod::serialize::PodSerializer;
use spa::pod::{ChoiceValue, Object, Property, PropertyFlags, Value};
use spa::utils::{Choice, ChoiceEnum, ChoiceFlags, Fraction, Id, Rectangle, SpaTypes};

use crate::format::{Fourcc, MOD_LINEAR};

/// The SPA video format of an exported fourcc (the 8-bit ones the export writes).
#[must_use]
pub fn video_format(fourcc: Fourcc) -> Option<VideoFormat> {
    match fourcc {
        // AB24: bytes R, G, B, A.
        Fourcc::ABGR8888 => Some(VideoFormat::RGBA),
        // AR24: bytes B, G, R, A.
        Fourcc::ARGB8888 => Some(VideoFormat::BGRA),
        _ => None,
    }
}

fn serialize(object: Object) -> Result<Vec<u8>, String> {
    PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &Value::Object(object))
        .map(|(cursor, _)| cursor.into_inner())
        .map_err(|e| format!("building a PipeWire parameter: {e:?}"))
}

/// Whether (and how) a format names the DRM modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modifier {
    /// No modifier: shared memory.
    None,
    /// LINEAR offered as a choice, mandatory and not to be fixated by the consumer (how a
    /// DMA-BUF producer opens the negotiation).
    Offered,
    /// LINEAR, fixed by the producer (its answer to a format that still carries the
    /// choice: PipeWire's DMA-BUF negotiation).
    Fixed,
}

/// One `EnumFormat`: raw video of `format` at `size`, a variable frame rate up to
/// `max_fps`, and the DRM modifier as `modifier` says.
pub fn enum_format(
    format: VideoFormat,
    size: [u32; 2],
    max_fps: u32,
    modifier: Modifier,
) -> Result<Vec<u8>, String> {
    let mut properties = vec![
        Property::new(
            FormatProperties::MediaType.as_raw(),
            Value::Id(Id(MediaType::Video.as_raw())),
        ),
        Property::new(
            FormatProperties::MediaSubtype.as_raw(),
            Value::Id(Id(MediaSubtype::Raw.as_raw())),
        ),
        Property::new(
            FormatProperties::VideoFormat.as_raw(),
            Value::Id(Id(format.as_raw())),
        ),
        Property::new(
            FormatProperties::VideoSize.as_raw(),
            Value::Rectangle(Rectangle {
                width: size[0],
                height: size[1],
            }),
        ),
        // Frames go out when vivid renders them: a variable rate, at most `max_fps`.
        Property::new(
            FormatProperties::VideoFramerate.as_raw(),
            Value::Fraction(Fraction { num: 0, denom: 1 }),
        ),
        Property::new(
            FormatProperties::VideoMaxFramerate.as_raw(),
            Value::Choice(ChoiceValue::Fraction(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Range {
                    default: Fraction {
                        num: max_fps,
                        denom: 1,
                    },
                    min: Fraction { num: 1, denom: 1 },
                    max: Fraction {
                        num: max_fps,
                        denom: 1,
                    },
                },
            ))),
        ),
    ];
    match modifier {
        Modifier::None => {}
        Modifier::Offered => properties.push(Property {
            key: FormatProperties::VideoModifier.as_raw(),
            flags: PropertyFlags::MANDATORY | PropertyFlags::DONT_FIXATE,
            value: Value::Choice(ChoiceValue::Long(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Enum {
                    default: MOD_LINEAR as i64,
                    alternatives: vec![MOD_LINEAR as i64],
                },
            ))),
        }),
        Modifier::Fixed => properties.push(Property {
            key: FormatProperties::VideoModifier.as_raw(),
            flags: PropertyFlags::MANDATORY,
            value: Value::Long(MOD_LINEAR as i64),
        }),
    }
    serialize(Object {
        type_: SpaTypes::ObjectParamFormat.as_raw(),
        id: ParamType::EnumFormat.as_raw(),
        properties,
    })
}

/// How an agreed format (its pod's bytes) names the modifier: `Offered` while the
/// consumer left it to the producer to fixate (the property still flagged
/// `DONT_FIXATE`), `Fixed` once fixed, `None` without one (shared memory).
pub fn agreed_modifier(format: &[u8]) -> Result<Modifier, String> {
    let (_, value) = spa::pod::deserialize::PodDeserializer::deserialize_any_from(format)
        .map_err(|e| format!("reading the agreed format: {e:?}"))?;
    let Value::Object(object) = value else {
        return Err("the agreed format is not an object".into());
    };
    Ok(
        match object
            .properties
            .iter()
            .find(|p| p.key == FormatProperties::VideoModifier.as_raw())
        {
            None => Modifier::None,
            Some(p) if p.flags.contains(PropertyFlags::DONT_FIXATE) => Modifier::Offered,
            Some(_) => Modifier::Fixed,
        },
    )
}

/// The `Buffers` parameter: exactly `count` buffers of one block of `size` bytes rows of
/// `stride`, in memory of `data_type` (`SPA_DATA_MemFd` or `SPA_DATA_DmaBuf`).
pub fn buffers(count: u32, size: u32, stride: u32, data_type: u32) -> Result<Vec<u8>, String> {
    let int = |v: u32| Value::Int(v as i32);
    let properties = vec![
        Property::new(
            spa::sys::SPA_PARAM_BUFFERS_buffers,
            Value::Choice(ChoiceValue::Int(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Range {
                    default: count as i32,
                    min: count as i32,
                    max: count as i32,
                },
            ))),
        ),
        Property::new(spa::sys::SPA_PARAM_BUFFERS_blocks, int(1)),
        Property::new(spa::sys::SPA_PARAM_BUFFERS_size, int(size)),
        Property::new(spa::sys::SPA_PARAM_BUFFERS_stride, int(stride)),
        Property::new(
            spa::sys::SPA_PARAM_BUFFERS_dataType,
            Value::Choice(ChoiceValue::Int(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Flags {
                    default: 1 << data_type,
                    flags: vec![1 << data_type],
                },
            ))),
        ),
    ];
    serialize(Object {
        type_: SpaTypes::ObjectParamBuffers.as_raw(),
        id: ParamType::Buffers.as_raw(),
        properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spa::pod::Pod;
    use spa::pod::deserialize::PodDeserializer;

    #[test]
    fn the_offered_format_reads_back_with_its_size_and_modifier() {
        let bytes = enum_format(VideoFormat::RGBA, [64, 48], 60, Modifier::Offered).unwrap();
        assert!(Pod::from_bytes(&bytes).is_some());
        let (_, value) = PodDeserializer::deserialize_any_from(&bytes).unwrap();
        let Value::Object(object) = value else {
            panic!("not an object: {value:?}")
        };
        let size = object
            .properties
            .iter()
            .find(|p| p.key == FormatProperties::VideoSize.as_raw())
            .unwrap();
        assert_eq!(
            size.value,
            Value::Rectangle(Rectangle {
                width: 64,
                height: 48
            })
        );
        let modifier = object
            .properties
            .iter()
            .find(|p| p.key == FormatProperties::VideoModifier.as_raw())
            .unwrap();
        assert!(modifier.flags.contains(PropertyFlags::MANDATORY));
        assert_eq!(agreed_modifier(&bytes), Ok(Modifier::Offered));
        let fixed = enum_format(VideoFormat::RGBA, [64, 48], 60, Modifier::Fixed).unwrap();
        assert_eq!(agreed_modifier(&fixed), Ok(Modifier::Fixed));
        let plain = enum_format(VideoFormat::RGBA, [64, 48], 60, Modifier::None).unwrap();
        assert_eq!(agreed_modifier(&plain), Ok(Modifier::None));
        let (_, Value::Object(plain)) = PodDeserializer::deserialize_any_from(&plain).unwrap()
        else {
            panic!("not an object")
        };
        assert!(
            plain
                .properties
                .iter()
                .all(|p| p.key != FormatProperties::VideoModifier.as_raw())
        );
    }

    #[test]
    fn the_formats_of_the_exported_fourccs() {
        assert_eq!(video_format(Fourcc::ABGR8888), Some(VideoFormat::RGBA));
        assert_eq!(video_format(Fourcc::ARGB8888), Some(VideoFormat::BGRA));
        assert_eq!(video_format(Fourcc::ABGR16161616F), None);
    }
}
