//! `strata get REF [-o FILE]`: writes what a ref names to stdout or a
//! file: for a `file` (or `bytes`) schema ref, the whole file's content;
//! for any other ref, the blob's own bytes.
//!
//! Against a server (`--server URL`): `GET /api/file/<ref>`, and when the
//! server says the blob is not a file schema (`422`),
//! `GET /api/blob/<ref>`, whose bytes are hashed on the way and must hash
//! to the ref. Without `--server`: the data folder's store, directly.
//!
//! `-o FILE` writes to a temporary file beside FILE, synced and renamed
//! over FILE only once complete: a failed get never leaves a half file
//! under the name (nor a temporary one).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::Failure;
use super::args::{Command, DATA_FLAG, Flag, Parsed};
use super::client::{Client, Request, ResponseHead};
use super::put::{SERVER_FLAG, connect, open_store, status_error};
use crate::blob::file_reader::{read_range, read_schema};
use crate::blob::file_schema::SCHEMA_BYTES_MAX;
use crate::blob::{BlobRef, BlobStorage, FileError, Hasher};

/// Bytes buffered on their way to stdout or the output file.
const OUTPUT_BUFFER_BYTES: usize = 256 * 1024;
/// The most bytes of an error answer read to quote it.
const ERROR_BODY_BYTES_MAX: u64 = 64 * 1024;

pub const COMMAND: Command = Command {
    name: "get",
    summary: "Write a blob's bytes (a whole file's, for a file ref) to stdout or a file.",
    positionals: "REF",
    flags: &[
        Flag {
            name: "output",
            value: Some("FILE"),
            default: Some("-"),
            help: "write to FILE (also -o; it appears only when complete); - is stdout",
        },
        SERVER_FLAG,
        DATA_FLAG,
    ],
};

/// Runs `strata get`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let [text] = parsed.positionals.as_slice() else {
        return Err(COMMAND.error("name exactly one REF").into());
    };
    let blob_ref = BlobRef::parse(text)
        .map_err(|error| COMMAND.error(&format!("not a blob ref: {text:?} ({error})")))?;
    let output = parsed.get(&COMMAND, "output").unwrap_or_default();
    let mut source = open_source(parsed)?;
    let result = if output == "-" {
        let stdout = io::stdout();
        let mut out = BufWriter::with_capacity(OUTPUT_BUFFER_BYTES, stdout.lock());
        let written = source.copy_to(&blob_ref, &mut out);
        written.and_then(|()| out.flush().map_err(|error| format!("stdout: {error}")))
    } else {
        let path = Path::new(&output);
        if path.file_name().is_none() || output.ends_with('/') {
            return Err(COMMAND
                .error(&format!("-o {output:?} names no file"))
                .into());
        }
        write_atomically(path, |out| source.copy_to(&blob_ref, out))
    };
    result.map_err(Failure::Runtime)
}

/// Where the bytes come from.
enum Source {
    Server(Box<Client>),
    Store(crate::blob::db_storage::DbStorage),
}

fn open_source(parsed: &Parsed) -> Result<Source, Failure> {
    if let Some(url) = parsed.get(&COMMAND, "server") {
        return Ok(Source::Server(Box::new(connect(&url, &COMMAND)?)));
    }
    let data = PathBuf::from(parsed.get(&COMMAND, "data").unwrap_or_default());
    if !data.is_dir() {
        let message = format!(
            "no data folder at {} (give --data, or --server for a running server)",
            data.display()
        );
        return Err(Failure::Runtime(message));
    }
    Ok(Source::Store(open_store(&data)?))
}

impl Source {
    fn copy_to(&mut self, blob_ref: &BlobRef, out: &mut dyn Write) -> Result<(), String> {
        match self {
            Source::Server(client) => get_remote(client, blob_ref, out),
            Source::Store(storage) => get_direct(storage, blob_ref, out),
        }
    }
}

/// The answer to one GET: its bytes went out, or an error status.
enum Answer {
    Written,
    Refused(ResponseHead, Vec<u8>),
}

/// Writes what `blob_ref` names, from the server, to `out`.
pub fn get_remote(
    client: &mut Client,
    blob_ref: &BlobRef,
    out: &mut dyn Write,
) -> Result<(), String> {
    let path = format!("/api/file/{blob_ref}");
    match fetch(client, &path, out, None)? {
        Answer::Written => return Ok(()),
        Answer::Refused(head, _) if head.status == 422 => {}
        Answer::Refused(head, body) => return Err(refusal(blob_ref, &head, &body)),
    }
    // Not a file schema blob: the blob itself, checked against its ref.
    let path = format!("/api/blob/{blob_ref}");
    match fetch(client, &path, out, Some(blob_ref))? {
        Answer::Written => Ok(()),
        Answer::Refused(head, body) => Err(refusal(blob_ref, &head, &body)),
    }
}

fn refusal(blob_ref: &BlobRef, head: &ResponseHead, body: &[u8]) -> String {
    if head.status == 404 {
        return format!("no blob {blob_ref}");
    }
    status_error(head, body, &format!("GET {blob_ref}"))
}

/// GETs `path`; a `200` body goes to `out` (hashed against `verify` when
/// given), any other answer is returned.
fn fetch(
    client: &mut Client,
    path: &str,
    out: &mut dyn Write,
    verify: Option<&BlobRef>,
) -> Result<Answer, String> {
    let answer = client.exchange(&mut Request::get(path), |head, body| {
        if head.status != 200 {
            let mut text = Vec::new();
            body.take(ERROR_BODY_BYTES_MAX).read_to_end(&mut text)?;
            return Ok(Answer::Refused(head.clone(), text));
        }
        copy_verified(verify, body, out)?;
        Ok(Answer::Written)
    });
    answer.map_err(|error| error.to_string())
}

/// Copies `body` to `out` in large steps (`io::copy` through `dyn`
/// handles takes 8 KiB at a time), hashing it when `verify` names a ref
/// (SHA-1 refs cannot be checked here): bytes that do not hash to it are
/// an error once the last one is read.
fn copy_verified(
    verify: Option<&BlobRef>,
    body: &mut dyn Read,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let mut hasher = verify.and_then(|blob_ref| Hasher::for_kind(blob_ref.kind()).ok());
    let mut step = vec![0u8; OUTPUT_BUFFER_BYTES];
    let mut total = 0u64;
    loop {
        let count = match body.read(&mut step) {
            Ok(0) => break,
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if let Some(hasher) = &mut hasher {
            hasher.update(&step[..count]);
        }
        out.write_all(&step[..count])?;
        total += count as u64;
    }
    if let (Some(hasher), Some(blob_ref)) = (hasher, verify) {
        let actual = hasher.finish();
        if actual != *blob_ref {
            let why = format!("the server sent bytes that hash to {actual}, not to {blob_ref}");
            return Err(io::Error::new(io::ErrorKind::InvalidData, why));
        }
    }
    Ok(total)
}

/// Writes what `blob_ref` names, from `storage`, to `out`.
pub fn get_direct(
    storage: &dyn BlobStorage,
    blob_ref: &BlobRef,
    out: &mut dyn Write,
) -> Result<(), String> {
    let stat = storage
        .stat(&[*blob_ref])
        .map_err(|error| error.to_string())?;
    let Some(&(_, size)) = stat.first() else {
        return Err(format!("no blob {blob_ref}"));
    };
    if size <= SCHEMA_BYTES_MAX as u64 {
        match read_schema(storage, blob_ref) {
            Ok(schema) => {
                let written = read_range(storage, blob_ref, 0, schema.size(), &mut &mut *out);
                return written.map(drop).map_err(|error| error.to_string());
            }
            Err(FileError::Schema { .. }) => {}
            Err(error) => return Err(error.to_string()),
        }
    }
    // `fetch` checks the bytes against the ref as they are read.
    let fetched = storage.fetch(blob_ref).map_err(|error| error.to_string())?;
    let mut fetched = fetched.ok_or_else(|| format!("no blob {blob_ref}"))?;
    let copied = copy_verified(None, &mut fetched.reader, out);
    copied.map(drop).map_err(|error| error.to_string())
}

/// Runs `write` into a temporary file beside `path`, then syncs it and
/// renames it over `path`; on any failure the temporary file is removed
/// and `path` is left as it was.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> Result<(), String> {
    let name = path
        .file_name()
        .expect("checked by the caller")
        .to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.strata-get-{}", std::process::id()));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(|error| format!("cannot create {}: {error}", temporary.display()))?;
    let result = write_and_sync(file, write);
    let result = result.and_then(|()| {
        std::fs::rename(&temporary, path)
            .map_err(|error| format!("cannot rename onto {}: {error}", path.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn write_and_sync(
    file: File,
    write: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> Result<(), String> {
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER_BYTES, file);
    write(&mut out)?;
    let file = out
        .into_inner()
        .map_err(|error| error.error().to_string())?;
    file.sync_all().map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests;
