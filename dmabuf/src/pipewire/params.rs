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

/// One `EnumFormat`: raw video of `format` at `size`, a variable frame rate up to
/// `max_fps`, and (`linear_modifier`) the DRM modifier LINEAR, mandatory and not to be
/// fixated (how a DMA-BUF producer says it shares memory of that layout).
pub fn enum_format(
    format: VideoFormat,
    size: [u32; 2],
    max_fps: u32,
    linear_modifier: bool,
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
    if linear_modifier {
        properties.push(Property {
            key: FormatProperties::VideoModifier.as_raw(),
            flags: PropertyFlags::MANDATORY | PropertyFlags::DONT_FIXATE,
            value: Value::Choice(ChoiceValue::Long(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Enum {
                    default: MOD_LINEAR as i64,
                    alternatives: vec![MOD_LINEAR as i64],
                },
            ))),
        });
    }
    serialize(Object {
        type_: SpaTypes::ObjectParamFormat.as_raw(),
        id: ParamType::EnumFormat.as_raw(),
        properties,
    })
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
        let bytes = enum_format(VideoFormat::RGBA, [64, 48], 60, true).unwrap();
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
        let plain = enum_format(VideoFormat::RGBA, [64, 48], 60, false).unwrap();
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
