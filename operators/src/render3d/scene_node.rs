//! The [`Operator`](vivid_engine::operator::Operator) of a scene node (`camera`, the lights):
//! no image, so the image phases do nothing; its parameters become a scene item.

/// Implements `Operator` for the scene node `$node` with parameters `$params`: nothing in
/// the image phases, and `scene` gives the `SceneItem` `$item`, made from the parameters
/// bound to `$p`.
macro_rules! scene_node {
    ($node:ty, $params:ty, |$p:ident| $item:expr) => {
        impl vivid_engine::operator::Operator for $node {
            fn write_uniforms(
                &mut self,
                _cx: &vivid_engine::operator::UniformCx<'_>,
                _out: &mut vivid_engine::resources::UniformWriter<'_>,
            ) {
            }

            fn prepare(
                &mut self,
                _cx: &mut vivid_engine::operator::PrepareCx<'_>,
            ) -> vivid_engine::Result<()> {
                Ok(())
            }

            fn encode(&mut self, _cx: &mut vivid_engine::operator::EncodeCx<'_>) {}

            fn scene(
                &mut self,
                cx: &vivid_engine::operator::UniformCx<'_>,
            ) -> Option<vivid_engine::scene::SceneItem> {
                let $p: $params = cx.params();
                Some($item)
            }
        }
    };
}

pub(super) use scene_node;
