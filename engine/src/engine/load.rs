//! Loading a chain away from the render thread: [`ChainLoader`] reads and validates
//! (chain.toml, `--set`, expressions, project shaders' reflection) on any thread;
//! [`Engine::apply_loaded`] makes the result the running chain.

use std::path::Path;

use super::Engine;
use crate::chain::{ChainDesc, ChainSpec};
use crate::error::{Diagnostics, EngineError, Result};
use crate::operator::Registry;
use crate::project::{apply_set, load_project};
use crate::shaders::ShaderLibrary;

/// What validating a chain needs, copied from an [`Engine`]
/// ([`chain_loader`](Engine::chain_loader)): the operator types, the variables, the shader
/// library, the GPU's largest texture and the folders files may be read from. `Send`: a host moves it to a loading thread, so
/// that reading and validating a huge chain.toml never holds up a frame.
#[derive(Clone, Debug)]
pub struct ChainLoader {
    registry: Registry,
    shaders: ShaderLibrary,
    max_side: u32,
    /// Folders outside the project whose files the chain may read (`--allow-path`).
    allowed: Vec<std::path::PathBuf>,
    /// The engine's library generation when copied (see [`LoadedChain`]).
    library: u64,
}

/// A chain read and validated by a [`ChainLoader`], for [`Engine::apply_loaded`].
#[derive(Clone, Debug)]
pub struct LoadedChain {
    desc: ChainDesc,
    spec: ChainSpec,
    library: u64,
    /// The variables it was validated against, when it declared namespaced ones
    /// ([`Variables::declare_in`](crate::params::Variables::declare_in)).
    variables: Option<crate::params::Variables>,
}

impl LoadedChain {
    /// The chain as written.
    #[must_use]
    pub fn desc(&self) -> &ChainDesc {
        &self.desc
    }
}

impl ChainLoader {
    /// Reads `path` (a project folder or its chain.toml), applies `sets` (`--set`) and
    /// validates the chain. Nothing of an engine is touched.
    pub fn load(&self, path: &Path, sets: &[String]) -> Result<LoadedChain> {
        let mut project = load_project(path)?;
        let mut errs = Vec::new();
        for s in sets {
            if let Err(d) = apply_set(&mut project.desc, s) {
                errs.push(d);
            }
        }
        if !errs.is_empty() {
            return Err(EngineError::Project(Diagnostics(errs)));
        }
        self.validate(project.desc)
    }

    /// Validates `desc`.
    pub fn validate(&self, desc: ChainDesc) -> Result<LoadedChain> {
        // Variables of open namespaces (`osc.fader1`) the chain reads are added to a copy.
        let mut declared = None;
        if self.registry.variables().namespaces().next().is_some() {
            let mut registry = self.registry.clone();
            if registry.declare_variables_of(&desc) > 0 {
                declared = Some(registry);
            }
        }
        let registry = declared.as_ref().unwrap_or(&self.registry);
        let spec = desc
            .validate_allowing(registry, self.max_side, &self.shaders, &self.allowed)
            .map_err(EngineError::Project)?;
        Ok(LoadedChain {
            desc,
            spec,
            library: self.library,
            variables: declared.map(|r| r.variables().clone()),
        })
    }
}

impl Engine {
    /// A copy of what validating a chain needs, to load one on another thread.
    #[must_use]
    pub fn chain_loader(&self) -> ChainLoader {
        ChainLoader {
            registry: self.registry.clone(),
            shaders: self.shaders.clone(),
            max_side: self.gpu.max_texture_side(),
            allowed: self.options.allowed_paths.clone(),
            library: self.edits.library,
        }
    }

    /// Makes a chain loaded by a [`ChainLoader`] the running chain, as
    /// [`set_chain`](Self::set_chain) does. If the engine's shaders changed since the
    /// loader was copied (a built-in shader reloaded meanwhile), it is validated again here.
    pub fn apply_loaded(&mut self, loaded: LoadedChain) -> Result<()> {
        if loaded.library != self.edits.library {
            return self.set_chain(&loaded.desc);
        }
        if let Some(vars) = &loaded.variables {
            // Declared on the loading thread: taken if the engine added none meanwhile.
            if !self.registry.extend_variables(vars) {
                return self.set_chain(&loaded.desc);
            }
            self.vars.resize(self.registry.variables());
        }
        self.apply_spec(&loaded.desc, loaded.spec)
    }
}
