//! Can this driver tell a DMA-BUF's producer when vivid's reads are done? Probes the road to
//! `DMA_BUF_IOCTL_IMPORT_SYNC_FILE` that wgpu 30 leaves open: open the device through
//! wgpu-hal's `Adapter::open_with_callback` with `VK_KHR_external_semaphore_fd` added, have
//! a wgpu submit signal a binary semaphore (`hal::vulkan::Queue::add_signal_semaphore`,
//! staged for the next submit), export it as a sync file (`vkGetSemaphoreFdKHR`,
//! `SYNC_FD`) and poll the file once the GPU finished. Prints what it found; vivid does not
//! use this yet (see the README's "Sharing frames without copies").
//!
//! `cargo run -p vivid-dmabuf --example sync_fd_probe` (`WGPU_ADAPTER_NAME` picks the
//! adapter). Lavapipe (Mesa 25.0, this CI) has no `VK_KHR_external_semaphore_fd`: it says so.

#![allow(
    unsafe_code,
    reason = "a probe of raw Vulkan calls on wgpu-hal's handles; vivid's own unsafe code stays in src/vk.rs"
)]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use ash::vk;
use wgpu::hal::api::Vulkan;

fn main() {
    if let Err(e) = probe() {
        println!("verdict: no ({e})");
        std::process::exit(1);
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "a probe of a device of its own, not the engine's: nothing here is counted"
)]
fn probe() -> Result<(), String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::VULKAN,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let name = std::env::var("WGPU_ADAPTER_NAME").ok();
    let adapter = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::VULKAN))
        .into_iter()
        .find(|a| {
            name.as_ref()
                .is_none_or(|n| a.get_info().name.to_lowercase().contains(&n.to_lowercase()))
        })
        .ok_or("no Vulkan adapter")?;
    println!("adapter: {}", adapter.get_info().name);
    // SAFETY: the hal adapter is only read (handles, extension list) and used to open a
    // device while no other device is being made from it.
    let hal_adapter =
        unsafe { adapter.as_hal::<Vulkan>() }.ok_or("the adapter is not a Vulkan adapter")?;
    let raw_instance = hal_adapter.shared_instance().raw_instance().clone();
    let phys = hal_adapter.raw_physical_device();
    // SAFETY: `phys` is this instance's physical device.
    let extensions = unsafe { raw_instance.enumerate_device_extension_properties(phys) }
        .map_err(|e| format!("device extensions: {e}"))?;
    let fd_ext = ash::khr::external_semaphore_fd::NAME;
    let has = extensions
        .iter()
        .any(|e| e.extension_name_as_c_str().ok() == Some(fd_ext));
    println!("VK_KHR_external_semaphore_fd: {has}");
    let mut props = vk::ExternalSemaphoreProperties::default();
    let info = vk::PhysicalDeviceExternalSemaphoreInfo::default()
        .handle_type(vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD);
    // SAFETY: plain query on this instance's physical device.
    unsafe {
        raw_instance.get_physical_device_external_semaphore_properties(phys, &info, &mut props);
    }
    let exportable = props
        .external_semaphore_features
        .contains(vk::ExternalSemaphoreFeatureFlags::EXPORTABLE);
    println!(
        "binary semaphore exportable as SYNC_FD: {exportable} ({:?})",
        props.external_semaphore_features
    );
    if !has || !exportable {
        return Err("the driver cannot export a semaphore as a sync file".into());
    }
    let features = wgpu::Features::empty();
    let limits = wgpu::Limits::default();
    // SAFETY: the callback only adds an extension the physical device supports (checked
    // above); it removes nothing.
    let open = unsafe {
        hal_adapter.open_with_callback(
            features,
            &limits,
            &wgpu::MemoryHints::Performance,
            Some(Box::new(
                move |args: wgpu::hal::vulkan::CreateDeviceCallbackArgs| {
                    args.extensions.push(fd_ext);
                },
            )),
        )
    }
    .map_err(|e| format!("open_with_callback: {e}"))?;
    drop(hal_adapter);
    // SAFETY: `open` was made from this adapter with exactly `features`.
    let (device, queue) = unsafe {
        adapter.create_device_from_hal(
            open,
            &wgpu::DeviceDescriptor {
                required_features: features,
                required_limits: limits,
                ..Default::default()
            },
        )
    }
    .map_err(|e| format!("create_device_from_hal: {e}"))?;
    // SAFETY: only the raw device handle is taken; it outlives every use below (`device`
    // is held to the end).
    let raw = unsafe { device.as_hal::<Vulkan>() }
        .ok_or("not a Vulkan device")?
        .raw_device()
        .clone();
    let mut export = vk::ExportSemaphoreCreateInfo::default()
        .handle_types(vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD);
    // SAFETY: a binary semaphore on this device, destroyed below after its last use.
    let semaphore = unsafe {
        raw.create_semaphore(
            &vk::SemaphoreCreateInfo::default().push_next(&mut export),
            None,
        )
    }
    .map_err(|e| format!("create_semaphore: {e}"))?;
    let fd_fns = ash::khr::external_semaphore_fd::Device::new(&raw_instance, &raw);
    let mut result = Ok(());
    for frame in 0..3 {
        {
            // SAFETY: the semaphore is unsignalled with no pending signal (new, or reset by
            // the previous export's copy transference); the next submit signals it.
            let hal_queue = unsafe { queue.as_hal::<Vulkan>() }.ok_or("not a Vulkan queue")?;
            hal_queue.add_signal_semaphore(semaphore, None);
        }
        let encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        queue.submit([encoder.finish()]);
        // SAFETY: the semaphore's signal was submitted just now; SYNC_FD export is allowed
        // then (and resets the semaphore).
        let fd = unsafe {
            fd_fns.get_semaphore_fd(
                &vk::SemaphoreGetFdInfoKHR::default()
                    .semaphore(semaphore)
                    .handle_type(vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD),
            )
        };
        match fd {
            Ok(-1) => println!("frame {frame}: -1 (already signalled: nothing to wait for)"),
            Ok(fd) => {
                // SAFETY: the driver handed us a new fd we own.
                let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                let _ = device.poll(wgpu::PollType::wait_indefinitely());
                let mut pfd = libc::pollfd {
                    fd: fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                let ready = unsafe { libc::poll(&raw mut pfd, 1, 1000) };
                let what = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                    .map_or_else(|_| "?".into(), |p| p.display().to_string());
                println!(
                    "frame {frame}: sync file {what}, signalled once the GPU finished: {}",
                    ready == 1 && pfd.revents & libc::POLLIN != 0
                );
            }
            Err(e) => {
                result = Err(format!("vkGetSemaphoreFdKHR: {e}"));
                break;
            }
        }
    }
    let _ = device.poll(wgpu::PollType::wait_indefinitely());
    // SAFETY: the GPU is idle: no submit still signals it.
    unsafe { raw.destroy_semaphore(semaphore, None) };
    result?;
    println!(
        "verdict: yes — a frame's submit can hand a sync file to DMA_BUF_IOCTL_IMPORT_SYNC_FILE"
    );
    Ok(())
}
