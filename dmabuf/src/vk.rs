//! vivid's unsafe Vulkan code: Vulkan images whose memory comes from, or goes out as, a
//! file descriptor — made with `ash` on the handles `wgpu::Device::as_hal::<Vulkan>` gives,
//! and wrapped as wgpu textures with `create_texture_from_hal`. (The only other unsafe
//! module is `pipewire/buffers.rs`, PipeWire's raw buffers.)
//!
//! Every `unsafe` block says why it is sound. The arguments rest on four facts:
//! - the `ash` crate here is the very version wgpu-hal 30 is built on (`ash 0.38`), so the
//!   raw handles and function tables hal gives are the ones these calls expect;
//! - every Vulkan object made here is made on the device the hal guard belongs to, while the
//!   guard is held, and is either destroyed here (on every error path, by [`Pending`]'s
//!   `Drop`) or handed to wgpu-hal, which owns it from then on (`TextureMemory::Dedicated`:
//!   hal destroys the image and frees the memory when wgpu drops the texture, after the
//!   last submission using it completed — wgpu-core's deferred destruction);
//! - an fd is owned by exactly one party at a time: an [`OwnedFd`] until `vkAllocateMemory`
//!   succeeds with it (the import then owns it and closes it when the memory is freed), and
//!   the fd `vkGetMemoryFdKHR` returns is a new one that we own at once;
//! - the descriptors passed to `create_texture_from_hal` are the ones the images were made
//!   with (format, size, one mip, one sample, 2D, usages a subset of the image's).

use std::io::{Seek, SeekFrom};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};

use ash::vk;
use wgpu::hal::api::Vulkan;
use wgpu::hal::vulkan as hv;

use crate::error::{DmabufError, Result};
use crate::format::HandleType;

/// Where the one plane of an image lies in its memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlaneLayout {
    /// Offset of the first texel, in bytes.
    pub offset: u64,
    /// Bytes from one row to the next.
    pub stride: u64,
    /// Bytes of memory behind the image.
    pub size: u64,
}

/// What the device can do with shared memory, for one format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// The handle type the device exports linear images of this format as, if any:
    /// DMA-BUF first, else an opaque fd.
    pub export: Option<HandleType>,
    /// Whether it imports DMA-BUFs at all (`VK_EXT_external_memory_dma_buf` enabled).
    pub import_dmabuf: bool,
    /// Whether it imports with explicit modifiers (`VK_EXT_image_drm_format_modifier` and
    /// wgpu's `VULKAN_EXTERNAL_MEMORY_DMA_BUF`, hal's `texture_from_dmabuf_fd`); without
    /// it only `DRM_FORMAT_MOD_LINEAR` buffers whose stride is the driver's own are read.
    pub explicit_modifiers: bool,
}

/// The Vulkan format of the formats vivid shares.
fn vk_format(format: wgpu::TextureFormat) -> Option<vk::Format> {
    Some(match format {
        wgpu::TextureFormat::Rgba8Unorm => vk::Format::R8G8B8A8_UNORM,
        wgpu::TextureFormat::Bgra8Unorm => vk::Format::B8G8R8A8_UNORM,
        wgpu::TextureFormat::Rgba16Float => vk::Format::R16G16B16A16_SFLOAT,
        // The planes of NV12 and P010 (imported only).
        wgpu::TextureFormat::R8Unorm => vk::Format::R8_UNORM,
        wgpu::TextureFormat::Rg8Unorm => vk::Format::R8G8_UNORM,
        wgpu::TextureFormat::R16Unorm => vk::Format::R16_UNORM,
        wgpu::TextureFormat::Rg16Unorm => vk::Format::R16G16_UNORM,
        _ => return None,
    })
}

fn vk_handle(handle: HandleType) -> vk::ExternalMemoryHandleTypeFlags {
    match handle {
        HandleType::DmaBuf => vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT,
        HandleType::OpaqueFd => vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD,
    }
}

fn failed(call: &'static str) -> impl Fn(vk::Result) -> DmabufError {
    move |result| DmabufError::Vulkan {
        call,
        result: format!("{result:?}"),
    }
}

fn unsupported(what: &str) -> DmabufError {
    DmabufError::Unsupported(what.to_string())
}

/// Image usages of shared images: written by a copy or a render pass (export), sampled
/// (import), copied from (readback).
fn vk_usage(export: bool) -> vk::ImageUsageFlags {
    let mut usage = vk::ImageUsageFlags::SAMPLED
        | vk::ImageUsageFlags::TRANSFER_SRC
        | vk::ImageUsageFlags::TRANSFER_DST;
    if export {
        usage |= vk::ImageUsageFlags::COLOR_ATTACHMENT;
    }
    usage
}

/// The usages of the wgpu texture wrapping a shared image (a subset of [`vk_usage`]).
#[must_use]
pub fn wgpu_usage(export: bool) -> wgpu::TextureUsages {
    let mut usage = wgpu::TextureUsages::TEXTURE_BINDING
        | wgpu::TextureUsages::COPY_SRC
        | wgpu::TextureUsages::COPY_DST;
    if export {
        usage |= wgpu::TextureUsages::RENDER_ATTACHMENT;
    }
    usage
}

fn hal_usage(export: bool) -> wgpu::wgt::TextureUses {
    let mut usage = wgpu::wgt::TextureUses::RESOURCE
        | wgpu::wgt::TextureUses::COPY_SRC
        | wgpu::wgt::TextureUses::COPY_DST;
    if export {
        usage |= wgpu::wgt::TextureUses::COLOR_TARGET;
    }
    usage
}

fn hal_desc<'a>(
    desc: &wgpu::TextureDescriptor<'a>,
    export: bool,
) -> wgpu::hal::TextureDescriptor<'a> {
    wgpu::hal::TextureDescriptor {
        label: desc.label,
        size: desc.size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: desc.format,
        usage: hal_usage(export),
        memory_flags: wgpu::hal::MemoryFlags::empty(),
        view_formats: Vec::new(),
    }
}

/// An image (and its memory) not yet handed to wgpu-hal: destroyed on drop.
struct Pending {
    device: ash::Device,
    image: vk::Image,
    memory: vk::DeviceMemory,
}

impl Pending {
    /// Hands both to the caller (to wgpu-hal): nothing is destroyed any more.
    fn disarm(mut self) -> (vk::Image, vk::DeviceMemory) {
        let out = (self.image, self.memory);
        self.image = vk::Image::null();
        self.memory = vk::DeviceMemory::null();
        out
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        // SAFETY: `image` and `memory` were made on `device` by this module and never
        // handed on (disarm nulls them), and no command buffer uses them yet (they have
        // not been wrapped as wgpu textures); destroying null handles is a no-op.
        unsafe {
            self.device.destroy_image(self.image, None);
            self.device.free_memory(self.memory, None);
        }
    }
}

/// The hal Vulkan device of `device`, or why there is none.
macro_rules! hal_device {
    ($device:expr) => {
        // SAFETY: the guard is only read from (raw handles, enabled extensions) and used to
        // call Vulkan functions on objects this module makes; nothing it holds is
        // destroyed while it lives. wgpu-core's own use of the device is internally
        // synchronised; the calls made here (image/memory creation, queries) need no
        // external synchronisation in Vulkan.
        unsafe { $device.as_hal::<Vulkan>() }
            .ok_or_else(|| unsupported("the device is not a Vulkan device"))?
    };
}

fn has_extension(hal: &hv::Device, name: &std::ffi::CStr) -> bool {
    hal.enabled_device_extensions().contains(&name)
}

/// What `device` can do with shared memory for `format`.
pub fn caps(device: &wgpu::Device, format: wgpu::TextureFormat) -> Result<Caps> {
    let hal = hal_device!(device);
    let fd = has_extension(&hal, ash::khr::external_memory_fd::NAME);
    let import_dmabuf = fd && has_extension(&hal, ash::ext::external_memory_dma_buf::NAME);
    let explicit_modifiers = import_dmabuf
        && device
            .features()
            .contains(wgpu::Features::VULKAN_EXTERNAL_MEMORY_DMA_BUF);
    let Some(vk_format) = vk_format(format) else {
        return Ok(Caps {
            export: None,
            import_dmabuf,
            explicit_modifiers,
        });
    };
    let exportable = |handle: HandleType| {
        let mut external =
            vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(vk_handle(handle));
        let info = vk::PhysicalDeviceImageFormatInfo2::default()
            .format(vk_format)
            .ty(vk::ImageType::TYPE_2D)
            .tiling(vk::ImageTiling::LINEAR)
            .usage(vk_usage(true))
            .push_next(&mut external);
        let mut external_props = vk::ExternalImageFormatProperties::default();
        let mut props = vk::ImageFormatProperties2::default().push_next(&mut external_props);
        let instance = hal.shared_instance().raw_instance();
        // SAFETY: a query on the device's own physical device with well-formed, fully
        // initialised structures that outlive the call (Vulkan 1.1 core function).
        let ok = unsafe {
            instance.get_physical_device_image_format_properties2(
                hal.raw_physical_device(),
                &info,
                &mut props,
            )
        }
        .is_ok();
        let _ = props;
        ok && external_props
            .external_memory_properties
            .external_memory_features
            .contains(vk::ExternalMemoryFeatureFlags::EXPORTABLE)
    };
    let export = if !fd {
        None
    } else if import_dmabuf && exportable(HandleType::DmaBuf) {
        Some(HandleType::DmaBuf)
    } else if exportable(HandleType::OpaqueFd) {
        Some(HandleType::OpaqueFd)
    } else {
        None
    };
    Ok(Caps {
        export,
        import_dmabuf,
        explicit_modifiers,
    })
}

/// A linear image of `desc` (`Rgba8Unorm`, `Bgra8Unorm` or `Rgba16Float`, 2D, one mip)
/// whose dedicated memory is exportable as `handle`: the wgpu texture, its plane layout,
/// and an fd of its memory (ours).
pub fn create_exportable(
    device: &wgpu::Device,
    desc: &wgpu::TextureDescriptor<'_>,
    handle: HandleType,
) -> Result<(wgpu::Texture, PlaneLayout, OwnedFd)> {
    let format = vk_format(desc.format)
        .ok_or_else(|| unsupported(&format!("exporting {:?}", desc.format)))?;
    let hal = hal_device!(device);
    let raw = hal.raw_device();
    let mut external = vk::ExternalMemoryImageCreateInfo::default().handle_types(vk_handle(handle));
    let info = vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(format)
        .extent(vk::Extent3D {
            width: desc.size.width,
            height: desc.size.height,
            depth: 1,
        })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::LINEAR)
        .usage(vk_usage(true))
        .sharing_mode(vk::SharingMode::EXCLUSIVE)
        .initial_layout(vk::ImageLayout::UNDEFINED)
        .push_next(&mut external);
    // SAFETY: a well-formed create info on the hal device; the image is owned by `pending`.
    let image = unsafe { raw.create_image(&info, None) }.map_err(failed("vkCreateImage"))?;
    let mut pending = Pending {
        device: raw.clone(),
        image,
        memory: vk::DeviceMemory::null(),
    };
    let subresource = vk::ImageSubresource {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        mip_level: 0,
        array_layer: 0,
    };
    // SAFETY: `image` is a live linear image of this device; mip 0, layer 0 exist.
    let layout = unsafe { raw.get_image_subresource_layout(image, subresource) };
    // SAFETY: `image` is a live image of this device.
    let requirements = unsafe { raw.get_image_memory_requirements(image) };
    let memory_type = memory_type(&hal, requirements.memory_type_bits)
        .ok_or_else(|| unsupported("no memory type for an exportable image"))?;
    let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(vk_handle(handle));
    let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().image(image);
    let allocate = vk::MemoryAllocateInfo::default()
        .allocation_size(requirements.size)
        .memory_type_index(memory_type)
        .push_next(&mut export)
        .push_next(&mut dedicated);
    // SAFETY: a well-formed allocate info for a dedicated allocation of `image`; the memory
    // is owned by `pending` from the next line on.
    pending.memory =
        unsafe { raw.allocate_memory(&allocate, None) }.map_err(failed("vkAllocateMemory"))?;
    // SAFETY: the memory was allocated for this image's requirements, at offset 0.
    unsafe { raw.bind_image_memory(image, pending.memory, 0) }
        .map_err(failed("vkBindImageMemory"))?;
    let fd_fns =
        ash::khr::external_memory_fd::Device::new(hal.shared_instance().raw_instance(), raw);
    let get = vk::MemoryGetFdInfoKHR::default()
        .memory(pending.memory)
        .handle_type(vk_handle(handle));
    // SAFETY: the extension is enabled (checked by `caps` before a pool is made; a
    // missing one fails the call, not memory safety: the table entry is then a stub that
    // ash reports as an error); the memory was allocated exportable as `handle`.
    let fd = unsafe { fd_fns.get_memory_fd(&get) }.map_err(failed("vkGetMemoryFdKHR"))?;
    // SAFETY: vkGetMemoryFdKHR returned a new fd that nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let (image, memory) = pending.disarm();
    // SAFETY: `image` was made with `hal_desc(desc)`'s format, size and usages (a superset)
    // and no MUTABLE_FORMAT (no view formats); hal takes ownership of both image and memory.
    let texture = unsafe {
        hal.texture_from_raw(
            image,
            &hal_desc(desc, true),
            None,
            hv::TextureMemory::Dedicated(memory),
        )
    };
    drop(hal);
    // SAFETY: made from this device's hal device, respecting `desc`; its layout is
    // UNDEFINED, which `UNINITIALIZED` states.
    let texture = unsafe {
        device.create_texture_from_hal::<Vulkan>(
            texture,
            desc,
            wgpu::wgt::TextureUses::UNINITIALIZED,
        )
    };
    Ok((
        texture,
        PlaneLayout {
            offset: layout.offset,
            stride: layout.row_pitch,
            size: requirements.size,
        },
        fd,
    ))
}

/// A memory type among `bits`, device-local if one is.
fn memory_type(hal: &hv::Device, bits: u32) -> Option<u32> {
    let instance = hal.shared_instance().raw_instance();
    // SAFETY: a query on the device's own physical device.
    let props =
        unsafe { instance.get_physical_device_memory_properties(hal.raw_physical_device()) };
    let types = props.memory_types_as_slice();
    let allowed = |i: usize| bits & (1 << i) != 0;
    (0..types.len())
        .find(|&i| {
            allowed(i)
                && types[i]
                    .property_flags
                    .contains(vk::MemoryPropertyFlags::DEVICE_LOCAL)
        })
        .or_else(|| (0..types.len()).find(|&i| allowed(i)))
        .map(|i| i as u32)
}

/// Imports `fd` (a single-plane buffer of `desc`'s format and size, `handle`'s kind) as a
/// sampled texture, without copying. `modifier` and `plane` describe its layout; the
/// caller has checked them against [`caps`] (`DRM_FORMAT_MOD_LINEAR` without explicit
/// modifiers). The fd is consumed (closed on failure, owned by the driver on success).
pub fn import(
    device: &wgpu::Device,
    fd: OwnedFd,
    desc: &wgpu::TextureDescriptor<'_>,
    handle: HandleType,
    modifier: u64,
    plane: PlaneLayout,
) -> Result<wgpu::Texture> {
    let format = vk_format(desc.format)
        .ok_or_else(|| unsupported(&format!("importing {:?}", desc.format)))?;
    let hal = hal_device!(device);
    let explicit = handle == HandleType::DmaBuf
        && device
            .features()
            .contains(wgpu::Features::VULKAN_EXTERNAL_MEMORY_DMA_BUF);
    let texture = if explicit {
        // SAFETY: the feature is enabled; `fd` is a DMA-BUF the host says matches `desc`,
        // `modifier`, `stride` and `offset` (the host API's contract, documented on
        // `DmabufDesc`); hal owns the fd on success and closes it on failure.
        unsafe {
            hal.texture_from_dmabuf_fd(
                fd,
                &hal_desc(desc, false),
                modifier,
                plane.stride,
                plane.offset,
            )
        }
        .map_err(|e| DmabufError::Vulkan {
            call: "texture_from_dmabuf_fd",
            result: e.to_string(),
        })?
    } else {
        import_linear(&hal, fd, format, desc, handle, plane)?
    };
    drop(hal);
    // SAFETY: made from this device's hal device, respecting `desc` (format, size, usages
    // a subset of the image's). Its layout is UNDEFINED; `UNINITIALIZED` makes wgpu
    // transition it from there, which on the linear images this path makes leaves the
    // bytes (the buffer's contents) as they are in the drivers vivid was tested on.
    Ok(unsafe {
        device.create_texture_from_hal::<Vulkan>(
            texture,
            desc,
            wgpu::wgt::TextureUses::UNINITIALIZED,
        )
    })
}

/// Import without explicit modifiers: a `LINEAR` image whose driver-chosen row pitch must be
/// the buffer's (checked), bound to the imported memory — at offset 0 in a dedicated
/// allocation when the plane starts where the driver puts it, else (a second plane: NV12's
/// chroma) at the plane's offset in an allocation of the whole buffer.
fn import_linear(
    hal: &hv::Device,
    fd: OwnedFd,
    format: vk::Format,
    desc: &wgpu::TextureDescriptor<'_>,
    handle: HandleType,
    plane: PlaneLayout,
) -> Result<hv::Texture> {
    let raw = hal.raw_device();
    let mut external = vk::ExternalMemoryImageCreateInfo::default().handle_types(vk_handle(handle));
    let info = vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(format)
        .extent(vk::Extent3D {
            width: desc.size.width,
            height: desc.size.height,
            depth: 1,
        })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::LINEAR)
        .usage(vk_usage(false))
        .sharing_mode(vk::SharingMode::EXCLUSIVE)
        .initial_layout(vk::ImageLayout::UNDEFINED)
        .push_next(&mut external);
    // SAFETY: a well-formed create info on the hal device; owned by `pending`.
    let image = unsafe { raw.create_image(&info, None) }.map_err(failed("vkCreateImage"))?;
    let mut pending = Pending {
        device: raw.clone(),
        image,
        memory: vk::DeviceMemory::null(),
    };
    let subresource = vk::ImageSubresource {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        mip_level: 0,
        array_layer: 0,
    };
    // SAFETY: a live linear image of this device; mip 0, layer 0 exist.
    let layout = unsafe { raw.get_image_subresource_layout(image, subresource) };
    // SAFETY: a live image of this device.
    let requirements = unsafe { raw.get_image_memory_requirements(image) };
    // Where the image's memory starts in the buffer: the plane lies `layout.offset` into it.
    let bind = plane.offset.checked_sub(layout.offset);
    let aligned = bind.is_some_and(|b| b % requirements.alignment.max(1) == 0);
    let seekable = handle == HandleType::DmaBuf;
    if layout.row_pitch != plane.stride || !aligned || (bind != Some(0) && !seekable) {
        return Err(DmabufError::Layout(format!(
            "offset {} stride {} given, but this device lays a linear {}x{} {:?} image out \
             at offset {} with stride {}, {}-byte aligned (hint: without \
             VK_EXT_image_drm_format_modifier only the driver's own linear layout can be \
             imported)",
            plane.offset,
            plane.stride,
            desc.size.width,
            desc.size.height,
            desc.format,
            layout.offset,
            layout.row_pitch,
            requirements.alignment
        )));
    }
    let bind = bind.unwrap_or(0);
    // The buffer must hold all the image reads: a shorter one would fault when mapped.
    let mut file = std::fs::File::from(fd);
    // An opaque fd cannot be seeked (see `import::check_offer`): the driver checks it at
    // import, against the same image's own allocation size.
    let length = match file.seek(SeekFrom::End(0)) {
        Ok(length) => length,
        Err(e) if handle == HandleType::OpaqueFd && e.raw_os_error() == Some(29) => u64::MAX,
        Err(e) => return Err(e.into()),
    };
    if length < bind + requirements.size {
        return Err(DmabufError::Layout(format!(
            "the buffer has {length} bytes, the image needs {} from byte {bind}",
            requirements.size
        )));
    }
    let mut bits = requirements.memory_type_bits;
    let fd = OwnedFd::from(file);
    if handle == HandleType::DmaBuf {
        let fd_fns =
            ash::khr::external_memory_fd::Device::new(hal.shared_instance().raw_instance(), raw);
        let mut props = vk::MemoryFdPropertiesKHR::default();
        // SAFETY: the extension is enabled (`caps().import_dmabuf`, checked by the caller);
        // `fd` is a live fd we own for the duration of the call.
        unsafe {
            fd_fns.get_memory_fd_properties(
                vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT,
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                &mut props,
            )
        }
        .map_err(failed("vkGetMemoryFdPropertiesKHR"))?;
        bits &= props.memory_type_bits;
    }
    let memory_type =
        memory_type(hal, bits).ok_or_else(|| unsupported("no memory type can import this fd"))?;
    let raw_fd = fd.into_raw_fd();
    let mut import = vk::ImportMemoryFdInfoKHR::default()
        .handle_type(vk_handle(handle))
        .fd(raw_fd);
    let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().image(image);
    let allocate = if bind == 0 {
        vk::MemoryAllocateInfo::default()
            .allocation_size(requirements.size)
            .memory_type_index(memory_type)
            .push_next(&mut import)
            .push_next(&mut dedicated)
    } else {
        // A plane further into the buffer: the whole buffer (a DMA-BUF, so `length` is
        // its size), not dedicated (a dedicated allocation binds at offset 0 only).
        vk::MemoryAllocateInfo::default()
            .allocation_size(length)
            .memory_type_index(memory_type)
            .push_next(&mut import)
    };
    // SAFETY: a well-formed import of an fd we own; on success the driver owns the fd.
    match unsafe { raw.allocate_memory(&allocate, None) } {
        Ok(memory) => pending.memory = memory,
        Err(e) => {
            // SAFETY: on failure the fd was not consumed: it is still ours, and only ours.
            drop(unsafe { OwnedFd::from_raw_fd(raw_fd) });
            return Err(failed("vkAllocateMemory (import)")(e));
        }
    }
    // SAFETY: memory holding the image's size from `bind` on (checked against the buffer's
    // length above), `bind` a multiple of the image's alignment (checked): dedicated
    // memory at 0, or the whole buffer at the plane's offset.
    unsafe { raw.bind_image_memory(image, pending.memory, bind) }
        .map_err(failed("vkBindImageMemory"))?;
    let (image, memory) = pending.disarm();
    // SAFETY: `image` was made with `hal_desc(desc)`'s format, size and usages, no
    // MUTABLE_FORMAT; hal takes ownership of image and memory (and so of the fd).
    Ok(unsafe {
        hal.texture_from_raw(
            image,
            &hal_desc(desc, false),
            None,
            hv::TextureMemory::Dedicated(memory),
        )
    })
}

/// A new fd (close-on-exec, ours) for the open file `raw` names — for fds a library hands
/// out as bare integers (GStreamer's `gst_dmabuf_memory_get_fd`).
pub fn dup_raw(raw: std::os::fd::RawFd) -> std::io::Result<OwnedFd> {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) reads no memory of ours: on any integer it either
    // fails (EBADF) or makes a new descriptor, which nobody else owns.
    let fd = unsafe { libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just made by fcntl and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `struct dma_buf_export_sync_file` (`linux/dma-buf.h`).
#[repr(C)]
struct SyncFileArg {
    flags: u32,
    fd: i32,
}

/// `DMA_BUF_SYNC_READ` (`linux/dma-buf.h`).
pub const DMA_BUF_SYNC_READ: u32 = 1;

/// `DMA_BUF_IOCTL_EXPORT_SYNC_FILE`, `_IOWR('b', 2, struct dma_buf_export_sync_file)`: the
/// direction bits (read and write: 3) << 30, the size (8) << 16, the type `'b'` << 8, nr 2.
const EXPORT_SYNC_FILE: libc::Ioctl = 0xc008_6202;

/// `DMA_BUF_IOCTL_EXPORT_SYNC_FILE`: a sync file (ours) of the fences on `buffer` now —
/// with `DMA_BUF_SYNC_READ`, those of its pending writes. Fails with `ENOTTY` on an fd that
/// is not a DMA-BUF (a memfd, a regular file) or a kernel before 5.20.
pub fn export_sync_file(
    buffer: std::os::fd::BorrowedFd<'_>,
    flags: u32,
) -> std::io::Result<OwnedFd> {
    let mut arg = SyncFileArg { flags, fd: -1 };
    // SAFETY: the ioctl reads and writes exactly the 8-byte struct its number encodes
    // (`arg`, alive and exclusively borrowed for the call); on an fd of another kind it
    // fails without touching memory. `buffer` is a live fd for the call.
    let r = unsafe {
        libc::ioctl(
            std::os::fd::AsRawFd::as_raw_fd(&buffer),
            EXPORT_SYNC_FILE,
            &raw mut arg,
        )
    };
    if r < 0 || arg.fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: on success the kernel made a new fd for the sync file, which nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(arg.fd) })
}

/// Waits at most `timeout` for `fd` to be readable (a sync file: its fence signalled).
/// `Ok(false)`: still not, at the deadline.
pub fn wait_readable(
    fd: std::os::fd::BorrowedFd<'_>,
    timeout: std::time::Duration,
) -> std::io::Result<bool> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let mut pfd = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&fd),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = libc::c_int::try_from(left.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: poll reads and writes the one `pollfd` passed (alive, exclusively
        // borrowed); the fd is live for the call.
        let r = unsafe { libc::poll(&raw mut pfd, 1, ms) };
        if r > 0 {
            return Ok(true);
        }
        if r == 0 {
            return Ok(false);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    /// The ioctl number is `_IOWR('b', 2, struct dma_buf_export_sync_file)` of
    /// `linux/dma-buf.h`, computed here from the header's definitions.
    #[test]
    #[allow(
        clippy::useless_conversion,
        reason = "libc::Ioctl is u64 on 64-bit Linux, narrower elsewhere"
    )]
    fn the_sync_file_ioctl_number_is_the_headers() {
        let ioc = |dir: u64, nr: u64| (dir << 30) | (8 << 16) | (u64::from(b'b') << 8) | nr;
        assert_eq!(u64::from(super::EXPORT_SYNC_FILE), ioc(3, 2));
        assert_eq!(size_of::<super::SyncFileArg>(), 8);
    }
}
