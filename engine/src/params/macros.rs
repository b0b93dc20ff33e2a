//! The `params!`, `choice_enum!` and `file_param!` macros, exported at the crate root.

/// A file parameter type: a path (relative to the project folder) of `FileKind` `$kind`.
///
/// ```
/// vivid_engine::file_param! {
///     /// A glTF file parameter.
///     pub struct MeshFile(Mesh);
/// }
/// ```
#[macro_export]
macro_rules! file_param {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($kind:ident);) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        $vis struct $name(pub String);

        impl $crate::params::ParamType for $name {
            const KIND: $crate::params::ParamKind =
                $crate::params::ParamKind::File($crate::params::FileKind::$kind);
            fn to_value(&self) -> $crate::params::ParamValue {
                $crate::params::ParamValue::Text(self.0.clone())
            }
            fn from_value(v: Option<&$crate::params::ParamValue>) -> Self {
                match v {
                    Some($crate::params::ParamValue::Text(s)) => Self(s.clone()),
                    _ => Self::default(),
                }
            }
        }
    };
}

/// Defines an operator's parameter struct and derives its
/// [`ParamSpec`](crate::params::ParamSpec)s from it.
///
/// A field may carry `#[param(...)]` after its doc lines, with the spec's builder methods:
/// `alias = "old_name"` (a former name, still accepted), `when = "other:a|b"` (it applies
/// only when parameter `other` is `a` or `b`; the inspector hides it otherwise) and
/// `group = "Name"` (the inspector's group).
///
/// ```
/// vivid_engine::params! {
///     /// Parameters of a blur.
///     pub struct BlurParams {
///         /// Gaussian sigma in pixels.
///         #[param(alias = "sigma", group = "Blur")]
///         radius: f32 [0.0, 256.0] = 4.0,
///         /// Repeat the blur this many times.
///         passes: u32 [1, 8] = 1,
///     }
/// }
/// use vivid_engine::params::ParamStruct;
/// let specs = BlurParams::specs();
/// assert_eq!(specs[0].name, "radius");
/// assert!(specs[0].answers_to("sigma"));
/// assert_eq!(specs[0].range, Some((0.0, 256.0)));
/// assert_eq!(BlurParams::default().passes, 1);
/// ```
#[macro_export]
macro_rules! params {
    (
        $(#[$smeta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $(#[param($($key:ident = $val:expr),* $(,)?)])?
                $field:ident : $ty:ty $([$min:expr, $max:expr])? = $default:expr
            ),* $(,)?
        }
    ) => {
        $(#[$smeta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $crate::params::ParamStruct for $name {
            fn specs() -> Vec<$crate::params::ParamSpec> {
                vec![$(
                    $crate::params::ParamSpec::of::<$ty>(
                        stringify!($field),
                        &$default,
                        concat!($($doc, "\n",)* ""),
                    )$(.range(f64::from($min), f64::from($max)))?
                    $($(.$key($val))*)?,
                )*]
            }

            fn read(values: &$crate::params::ParamValues) -> Self {
                let mut it = values.0.iter();
                Self { $( $field: <$ty as $crate::params::ParamType>::from_value(it.next()), )* }
            }
        }
    };
}

/// Defines an enum usable as a [`ParamKind::Choice`](crate::params::ParamKind::Choice) parameter.
///
/// ```
/// vivid_engine::choice_enum! {
///     /// Noise algorithm.
///     pub enum Kind { Perlin = "perlin", Value = "value" }
/// }
/// use vivid_engine::params::ParamType;
/// assert_eq!(Kind::choices(), &["perlin", "value"]);
/// assert_eq!(Kind::Value as u32, 1);
/// ```
#[macro_export]
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $( $(#[doc = $doc:literal])* $variant:ident = $text:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        $vis enum $name { $( $(#[doc = $doc])* $variant, )* }

        impl $name {
            const ALL: &'static [$name] = &[$($name::$variant),*];
        }

        impl $crate::params::ParamType for $name {
            const KIND: $crate::params::ParamKind = $crate::params::ParamKind::Choice;
            fn to_value(&self) -> $crate::params::ParamValue {
                $crate::params::ParamValue::Choice(*self as u32)
            }
            fn from_value(v: Option<&$crate::params::ParamValue>) -> Self {
                match v {
                    Some($crate::params::ParamValue::Choice(i)) => {
                        Self::ALL.get(*i as usize).copied().unwrap_or(Self::ALL[0])
                    }
                    _ => Self::ALL[0],
                }
            }
            fn choices() -> &'static [&'static str] {
                &[$($text),*]
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::params::fixture::{P, set};
    use crate::params::{ParamStruct, ParamValue};

    #[test]
    fn specs_come_from_the_struct() {
        let s = P::specs();
        let names: Vec<_> = s.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(names, ["scale", "count", "offset", "color", "mode", "flag"]);
        assert_eq!(s[0].doc, "A scale. Second line.");
        assert_eq!(s[0].range, Some((0.0, 10.0)));
        assert_eq!(s[4].choices, vec!["a", "bee"]);
        assert_eq!(s[4].default, ParamValue::Choice(1));
        assert_eq!(P::read(set().values()), P::default());
    }

    #[test]
    fn param_attributes_give_aliases_conditions_and_groups() {
        let s = P::specs();
        assert!(s[1].answers_to("count") && s[1].answers_to("number"));
        assert!(!s[0].answers_to("number"));
        assert_eq!(s[1].group.as_deref(), Some("More"));
        assert_eq!(
            s[1].when.as_ref().map(ToString::to_string).as_deref(),
            Some("mode:bee")
        );
        assert_eq!(s[1].when.as_ref().map(|c| c.check(&s)), Some(Ok(())));
        assert_eq!(set().index_of("number"), Some(1));
        // `count` applies while `mode` is "bee" (its default), not when it is "a".
        let mut values = set().values().0.clone();
        assert!(s[1].applies(&s, &values));
        values[4] = ParamValue::Choice(0);
        assert!(!s[1].applies(&s, &values));
        assert!(s[0].applies(&s, &values), "no condition: always");
    }

    #[test]
    fn conditions_are_checked_against_the_parameters() {
        use crate::params::ParamCondition;
        let s = P::specs();
        let check = |t: &str| ParamCondition::parse(t).and_then(|c| c.check(&s));
        assert_eq!(check("mode:a|bee"), Ok(()));
        assert_eq!(check("flag:true"), Ok(()));
        assert!(check("mode:c").unwrap_err().contains("cannot be `c`"));
        assert!(check("mdoe:a").unwrap_err().contains("did you mean `mode`"));
        assert!(check("scale:1").unwrap_err().contains("needs a choice"));
        assert!(check("mode").unwrap_err().contains("when=param:value"));
    }
}
