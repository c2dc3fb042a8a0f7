use super::*;
use crate::cli::put::tests::{temp_file, test_client};
use crate::util::splitmix::pseudo_random_bytes;

/// Sends `files` (name, bytes, known ref) with windows of `window`;
/// the files handed to `commit`, in order, and the transfer.
fn send(
    files: &[(&str, Vec<u8>, Option<BlobRef>)],
    window: usize,
) -> (Vec<(String, PutFile, bool)>, Transfer) {
    let outgoing: Vec<_> = files
        .iter()
        .map(|(name, bytes, known)| {
            let path = temp_file(name, bytes);
            let file = File::open(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            Ok(Outgoing {
                file,
                meta: FileMeta::default(),
                tag: name.to_string(),
                known: *known,
            })
        })
        .collect();
    let mut committed = Vec::new();
    let transfer = send_files(
        &mut test_client(),
        outgoing.into_iter(),
        window,
        |_, done| {
            committed.extend(
                done.into_iter()
                    .map(|sent| (sent.tag, sent.put, sent.unchanged)),
            );
            Ok(())
        },
    )
    .unwrap();
    (committed, transfer)
}

#[test]
fn many_files_share_windows_and_reach_commit_in_order() {
    let files: Vec<_> = (0..25)
        .map(|index| {
            let bytes = pseudo_random_bytes(900 + index, 1000 + index as usize * 10);
            (["many-", &index.to_string()].concat(), bytes, None)
        })
        .collect();
    let borrowed: Vec<(&str, Vec<u8>, Option<BlobRef>)> = files
        .iter()
        .map(|(name, bytes, known)| (name.as_str(), bytes.clone(), *known))
        .collect();
    let (committed, transfer) = send(&borrowed, 4);
    let names: Vec<&str> = committed.iter().map(|(name, _, _)| name.as_str()).collect();
    let expected: Vec<&str> = files.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names, expected);
    assert_eq!(transfer.chunks_sent, 25);
    assert_eq!(transfer.schemas_sent, 25);
    for ((_, put, unchanged), (_, bytes, _)) in committed.iter().zip(&files) {
        assert!(!unchanged);
        assert_eq!(put.size, bytes.len() as u64);
        let mut out = Vec::new();
        crate::cli::get::get_remote(&mut test_client(), &put.file_ref, &mut out).unwrap();
        assert_eq!(&out, bytes);
    }
}

#[test]
fn a_file_known_to_the_server_is_neither_asked_about_nor_sent() {
    let small = pseudo_random_bytes(71, 5000);
    let large = pseudo_random_bytes(72, 2 << 20);
    let (first, _) = send(
        &[
            ("known-small", small.clone(), None),
            ("known-large", large.clone(), None),
        ],
        WINDOW_REFS_MAX,
    );
    let (small_ref, large_ref) = (first[0].1.file_ref, first[1].1.file_ref);
    let fresh = pseudo_random_bytes(73, 3000);
    let (again, transfer) = send(
        &[
            ("known-small", small, Some(small_ref)),
            ("known-new", fresh, None),
            ("known-large", large, Some(large_ref)),
        ],
        WINDOW_REFS_MAX,
    );
    let unchanged: Vec<bool> = again.iter().map(|(_, _, unchanged)| *unchanged).collect();
    assert_eq!(unchanged, [true, false, true]);
    // Only the new file was asked about and sent: nothing was skipped.
    assert_eq!(transfer.chunks_sent, 1);
    assert_eq!(transfer.chunks_skipped, 0);
    assert_eq!(transfer.schemas_skipped, 0);
    // A wrong known ref changes nothing but the flag: stat settles it.
    let (wrong, transfer) = send(
        &[(
            "known-wrong",
            pseudo_random_bytes(71, 5000),
            Some(large_ref),
        )],
        8,
    );
    assert!(!wrong[0].2);
    assert_eq!(transfer.chunks_sent, 0);
    assert_eq!(transfer.chunks_skipped, 1);
}
