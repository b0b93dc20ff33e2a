//! The [`Registry`] of operator types: for each, its facts ([`OperatorInfo`]), how to make an
//! instance ([`Factory`]) and where a node's interface comes from ([`Interface`]).
//!
//! Three kinds of entry, one path through the engine:
//! - a Rust operator type ([`Registry::add`]): fixed facts, `T::default()`;
//! - a built-in operator written in WGSL (`shaders/operators/<name>.wgsl`, added with
//!   [`Registry::add_shaders`]): its facts are reflected from the file, again whenever the
//!   text changes (live editing from a source tree);
//! - `shader`, a project's own WGSL file: reflected from the file the node names.
//!
//! The last two make the same [`WgslOperator`](super::WgslOperator).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::wgsl;
use super::{Category, InputSpec, Operator, OperatorInfo};
use crate::error::{EngineError, Result};
use crate::params::{ParamStruct, Variables};
use crate::scene::SceneKind;
use crate::shaders::{ShaderLibrary, fxhash};

/// Makes a new instance for a node, given the node's interface (for an operator written in
/// WGSL, the reflected shader it runs).
pub type Factory = fn(&OperatorInfo) -> Option<Box<dyn Operator>>;

/// Where a node's [`OperatorInfo`] comes from.
#[derive(Clone, Copy, Debug)]
pub enum Interface {
    /// The type's own, as registered (Rust operators).
    Fixed,
    /// Reflected from the library shader the type was declared by (a built-in operator
    /// written in WGSL), again when its text changed.
    Library,
    /// Reflected from a file the node names in parameter `param`, relative to the project
    /// folder (a project's own shader).
    File {
        /// The parameter naming the file.
        param: &'static str,
        /// Extensions the file may have (lower case, no dot).
        extensions: &'static [&'static str],
        /// Reflects the file (with the library's helpers).
        resolve: fn(&ShaderLibrary, &Path) -> Result<Arc<OperatorInfo>>,
    },
}

/// A built-in operator type: its facts as associated items, so registration is one line.
pub trait OperatorType: Operator + Default + 'static {
    /// The `type` string.
    const NAME: &'static str;
    /// Group.
    const CATEGORY: Category;
    /// One sentence.
    const SUMMARY: &'static str;
    /// Inputs accepted.
    const INPUTS: InputSpec;
    /// The parameter struct.
    type Params: ParamStruct;
    /// Scene nodes: their kind (they then have no output texture).
    const SCENE: Option<SceneKind> = None;
    /// It keeps state that must advance every frame ([`OperatorInfo::advances`]): it runs
    /// even when the node shown does not depend on it.
    const ADVANCES: bool = false;
    /// Its output depends on earlier frames ([`OperatorInfo::stateful`]; implied by
    /// `ADVANCES`).
    const STATEFUL: bool = false;
    /// Uniform structs this type's Rust code packs for its WGSL, checked against naga's
    /// layout by the operators' tests: (library shader, WGSL struct name, Rust size).
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = &[];
}

/// Infos reflected from library shaders, by (library name, text hash).
type Reflected = Arc<Mutex<HashMap<(String, u64), Arc<OperatorInfo>>>>;

#[derive(Clone)]
struct Entry {
    info: Arc<OperatorInfo>,
    factory: Factory,
    interface: Interface,
    /// Library shader declaring it (operators written in WGSL).
    shader: Option<String>,
    uniforms: &'static [(&'static str, &'static str, usize)],
}

/// Operator types by name, and the WGSL they need. Always holds `shader` (a project's own
/// WGSL).
#[derive(Clone)]
pub struct Registry {
    entries: BTreeMap<String, Entry>,
    shaders: Vec<(String, &'static str)>,
    reflected: Reflected,
    /// The variables expressions may read (chains are validated against them too).
    variables: Variables,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("types", &self.entries.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

/// Library shaders under this folder are operators, one per file, named by the file.
pub const OPERATOR_SHADERS: &str = "operators/";

impl Registry {
    /// A registry holding only the `shader` type (a project's own WGSL).
    #[must_use]
    pub fn new() -> Self {
        let mut r = Self {
            entries: BTreeMap::new(),
            shaders: Vec::new(),
            reflected: Arc::default(),
            variables: Variables::builtin(),
        };
        r.insert(Entry {
            info: Arc::new(wgsl::project_info()),
            factory: wgsl::make,
            interface: Interface::File {
                param: wgsl::PROJECT_SHADER_PARAM,
                extensions: &["wgsl"],
                resolve: wgsl::resolve_project,
            },
            shader: None,
            uniforms: &[],
        });
        #[cfg(feature = "isf")]
        r.insert(Entry {
            info: Arc::new(super::isf::isf_info()),
            factory: super::isf::run::make,
            interface: Interface::File {
                param: super::isf::ISF_PATH_PARAM,
                extensions: super::isf::ISF_EXTENSIONS,
                resolve: super::isf::resolve,
            },
            shader: None,
            uniforms: &[],
        });
        #[cfg(feature = "isf")]
        r.insert(Entry {
            info: Arc::new(super::isf::shadertoy_info()),
            factory: super::isf::run::make,
            interface: Interface::File {
                param: super::isf::ISF_PATH_PARAM,
                extensions: super::isf::SHADERTOY_EXTENSIONS,
                resolve: super::isf::resolve_shadertoy,
            },
            shader: None,
            uniforms: &[],
        });
        // The window's mouse (`Engine::set_mouse`): read by expressions and Shadertoy's iMouse.
        for (name, doc) in crate::engine::MOUSE_VARIABLES {
            if let Err(e) = r.variables.add(name, doc) {
                log::error!("variable {name}: {e}");
            }
        }
        r
    }

    /// The variables expressions may read: `time`, `frame`, `delta` and those added.
    #[must_use]
    pub fn variables(&self) -> &Variables {
        &self.variables
    }

    /// Adds a variable expressions may read (`audio.bass`); see [`Variables::add`]. A chain
    /// naming it validates from now on; its value is set each frame with
    /// [`Engine::set_variable`](crate::Engine::set_variable).
    pub fn add_variable(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        doc: impl Into<Cow<'static, str>>,
    ) -> std::result::Result<usize, String> {
        self.variables.add(name, doc)
    }

    /// Opens a namespace of variables (`osc`): see [`Variables::add_namespace`].
    pub fn add_namespace(
        &mut self,
        prefix: impl Into<Cow<'static, str>>,
        doc: impl Into<Cow<'static, str>>,
    ) -> std::result::Result<(), String> {
        self.variables.add_namespace(prefix, doc)
    }

    /// Adds the variables of open namespaces that `desc`'s expressions read (see
    /// [`Variables::declare_in`]); returns how many were added.
    pub fn declare_variables_of(&mut self, desc: &crate::chain::ChainDesc) -> usize {
        fn walk(vars: &mut Variables, raw: &crate::params::RawValue) -> usize {
            match raw {
                crate::params::RawValue::Str(s) => vars.declare_in(s),
                crate::params::RawValue::Array(items) => items.iter().map(|r| walk(vars, r)).sum(),
                _ => 0,
            }
        }
        if self.variables.namespaces().next().is_none() {
            return 0;
        }
        let in_params: usize = desc
            .nodes
            .iter()
            .flat_map(|n| n.params.iter())
            .map(|(_, v)| walk(&mut self.variables, &v.value))
            .sum();
        let in_bindings: usize = desc
            .bindings
            .iter()
            .map(|b| self.variables.declare_in(&b.source.value))
            .sum();
        let in_osc_out: usize = desc
            .osc_out
            .iter()
            .flat_map(|o| o.send.iter())
            .map(|(_, e)| self.variables.declare_in(&e.value))
            .sum();
        in_params + in_bindings + in_osc_out
    }

    /// Adds the variables of open namespaces that a parameter's new value reads.
    pub(crate) fn declare_variables_in(&mut self, raw: &crate::params::RawValue) -> usize {
        match raw {
            crate::params::RawValue::Str(s) => self.variables.declare_in(s),
            crate::params::RawValue::Array(items) => {
                items.iter().map(|r| self.declare_variables_in(r)).sum()
            }
            _ => 0,
        }
    }

    /// Takes `vars` if it extends this registry's variables (the same names at the same
    /// slots, more after): what a loading thread declared. Returns whether it did.
    pub(crate) fn extend_variables(&mut self, vars: &Variables) -> bool {
        let ours = self.variables.len();
        if vars.len() < ours
            || !self
                .variables
                .names()
                .zip(vars.names())
                .all(|(a, b)| a == b)
        {
            return false;
        }
        self.variables = vars.clone();
        true
    }

    fn insert(&mut self, entry: Entry) {
        self.entries.insert(entry.info.name.to_string(), entry);
    }

    /// Registers a Rust operator type.
    pub fn add<T: OperatorType>(&mut self) {
        let info = OperatorInfo {
            scene: T::SCENE,
            advances: T::ADVANCES,
            stateful: T::STATEFUL || T::ADVANCES,
            ..OperatorInfo::new(
                T::NAME,
                T::CATEGORY,
                T::SUMMARY,
                T::INPUTS,
                T::Params::specs().into(),
            )
        };
        self.register(info, |_| Some(Box::new(T::default())));
        if let Some(e) = self.entries.get_mut(T::NAME) {
            e.uniforms = T::UNIFORMS;
        }
    }

    /// Registers an operator type from its info and factory.
    pub fn register(&mut self, info: OperatorInfo, factory: Factory) {
        self.insert(Entry {
            info: Arc::new(info),
            factory,
            interface: Interface::Fixed,
            shader: None,
            uniforms: &[],
        });
    }

    /// Adds embedded WGSL files (name relative to `shaders/`, text). Every file under
    /// `operators/` is an operator type of its own, named by the file: its facts are
    /// reflected from it (front matter and `struct Params`, see
    /// `shaders/common/interface.wgsl`). Returns the errors of files that could not be
    /// reflected (their types are not registered).
    pub fn add_shaders(&mut self, files: &[(&str, &'static str)]) -> Vec<EngineError> {
        for (name, text) in files {
            self.shaders.retain(|(n, _)| n != name);
            self.shaders.push(((*name).to_string(), text));
        }
        let mut library = ShaderLibrary::new();
        for (name, text) in &self.shaders {
            library.register(name, text);
        }
        let mut errors = Vec::new();
        for (name, _) in files {
            if !name.starts_with(OPERATOR_SHADERS) {
                continue;
            }
            match self.reflect_library(&library, name) {
                Ok(info) => {
                    self.insert(Entry {
                        info,
                        factory: wgsl::make,
                        interface: Interface::Library,
                        shader: Some((*name).to_string()),
                        uniforms: &[],
                    });
                }
                Err(e) => errors.push(e),
            }
        }
        errors
    }

    /// The info of a built-in WGSL operator from library shader `name` as the library has it
    /// now (reflected once per distinct text).
    pub fn reflect_library(
        &self,
        library: &ShaderLibrary,
        name: &str,
    ) -> Result<Arc<OperatorInfo>> {
        let (text, path) = library.text(name)?;
        let key = (name.to_string(), fxhash(text.as_bytes()));
        if let Some(info) = self.cache().get(&key) {
            return Ok(info.clone());
        }
        let type_name = name
            .strip_prefix(OPERATOR_SHADERS)
            .unwrap_or(name)
            .trim_end_matches(".wgsl")
            .to_string();
        let info = wgsl::reflect(
            library,
            &wgsl::Source {
                library_name: name.to_string(),
                type_name: Cow::Owned(type_name),
                path,
                text,
                from_file: false,
            },
        )?;
        self.cache().insert(key, info.clone());
        Ok(info)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(String, u64), Arc<OperatorInfo>>> {
        // A panic while holding it leaves only a cache: keep using it.
        self.reflected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The info of type `name`.
    #[must_use]
    pub fn info(&self, name: &str) -> Option<&Arc<OperatorInfo>> {
        self.entries.get(name).map(|e| &e.info)
    }

    /// Where the interface of a node of type `name` comes from.
    #[must_use]
    pub fn interface(&self, name: &str) -> Option<Interface> {
        self.entries.get(name).map(|e| e.interface)
    }

    /// The library shader declaring type `name`, for an operator written in WGSL.
    #[must_use]
    pub fn declaring_shader(&self, name: &str) -> Option<&str> {
        self.entries.get(name).and_then(|e| e.shader.as_deref())
    }

    /// The uniform structs type `name`'s Rust code packs ([`OperatorType::UNIFORMS`]).
    #[must_use]
    pub fn uniforms(&self, name: &str) -> &'static [(&'static str, &'static str, usize)] {
        self.entries.get(name).map_or(&[], |e| e.uniforms)
    }

    /// A new instance for a node whose interface is `info` (of a registered type).
    #[must_use]
    pub fn create(&self, info: &OperatorInfo) -> Option<Box<dyn Operator>> {
        self.entries
            .get(info.name.as_ref())
            .and_then(|e| (e.factory)(info))
    }

    /// All type names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// All infos, sorted by category then name.
    #[must_use]
    pub fn infos(&self) -> Vec<&Arc<OperatorInfo>> {
        let mut v: Vec<_> = self.entries.values().map(|e| &e.info).collect();
        v.sort_by(|a, b| (a.category, &a.name).cmp(&(b.category, &b.name)));
        v
    }

    /// The registered shaders (library name, embedded text).
    pub fn shaders(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.shaders.iter().map(|(n, t)| (n.as_str(), *t))
    }
}

/// Declares a kind's operator modules and registers their types, one line per operator:
///
/// ```ignore
/// // operators/src/filters/mod.rs
/// vivid_engine::operator_modules! {
///     blur::Blur,
/// }
/// ```
///
/// declares `mod blur;`, re-exports its public items, and defines
/// `pub fn register(registry: &mut Registry)` adding `blur::Blur`.
#[macro_export]
macro_rules! operator_modules {
    ($($module:ident :: $ty:ident),* $(,)?) => {
        $(
            mod $module;
            pub use $module::*;
        )*

        /// Registers the operator types of this module.
        pub fn register(registry: &mut $crate::operator::Registry) {
            $(registry.add::<$module::$ty>();)*
        }
    };
}
