//! GitHub's `primaryLocationLineHash`, computed exactly as
//! `github/codeql-action` (`src/fingerprints.ts`) does, so alerts stay
//! stable across uploads that do not go through the Action.

const BLOCK_SIZE: usize = 100;
const MOD: u64 = 37;
const EOF: u64 = 65_535;

/// The `hash:n` of every line of `text` (index 0 is line 1): a rolling
/// hash over the next 100 non-space, non-tab UTF-16 units from the start of
/// the line, `n` counting identical hashes so far.
///
/// ```
/// let hashes = platform_policy::report::line_hashes("a\na\n");
/// assert_eq!(hashes.len(), 3);
/// assert!(hashes[0].ends_with(":1"));
/// ```
#[must_use]
pub fn line_hashes(text: &str) -> Vec<String> {
    let first_mod = (0..BLOCK_SIZE).fold(1u64, |acc, _| acc.wrapping_mul(MOD));
    let mut window = [0u64; BLOCK_SIZE];
    let mut line_numbers = [-1i64; BLOCK_SIZE];
    let mut hash = 0u64;
    let mut index = 0usize;
    let mut line_number = 0i64;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut counts: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut out: Vec<(i64, String)> = Vec::new();

    let mut output = |hash: u64, line: i64, out: &mut Vec<(i64, String)>| {
        let n = counts.entry(hash).or_insert(0);
        *n += 1;
        out.push((line, format!("{hash:x}:{n}")));
    };
    let mut process = |current: u64,
                       window: &mut [u64; BLOCK_SIZE],
                       line_numbers: &mut [i64; BLOCK_SIZE],
                       hash: &mut u64,
                       index: &mut usize,
                       out: &mut Vec<(i64, String)>| {
        let mut current = current;
        if current == u64::from(b' ')
            || current == u64::from(b'\t')
            || (prev_cr && current == u64::from(b'\n'))
        {
            prev_cr = false;
            return;
        }
        if current == u64::from(b'\r') {
            current = u64::from(b'\n');
            prev_cr = true;
        } else {
            prev_cr = false;
        }
        if line_numbers[*index] != -1 {
            output(*hash, line_numbers[*index], out);
            line_numbers[*index] = -1;
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[*index] = line_number;
        }
        if current == u64::from(b'\n') {
            line_start = true;
        }
        let begin = window[*index];
        window[*index] = current;
        *hash = MOD
            .wrapping_mul(*hash)
            .wrapping_add(current)
            .wrapping_sub(first_mod.wrapping_mul(begin));
        *index = (*index + 1) % BLOCK_SIZE;
    };
    for unit in text.encode_utf16() {
        process(
            u64::from(unit),
            &mut window,
            &mut line_numbers,
            &mut hash,
            &mut index,
            &mut out,
        );
    }
    process(
        EOF,
        &mut window,
        &mut line_numbers,
        &mut hash,
        &mut index,
        &mut out,
    );
    for _ in 0..BLOCK_SIZE {
        if line_numbers[index] != -1 {
            let n = counts.entry(hash).or_insert(0);
            *n += 1;
            out.push((line_numbers[index], format!("{hash:x}:{n}")));
            line_numbers[index] = -1;
        }
        let begin = window[index];
        window[index] = 0;
        hash = MOD
            .wrapping_mul(hash)
            .wrapping_sub(first_mod.wrapping_mul(begin));
        index = (index + 1) % BLOCK_SIZE;
    }
    out.sort_by_key(|(line, _)| *line);
    out.into_iter().map(|(_, h)| h).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors of codeql-action's `fingerprints.test.ts`.
    #[test]
    fn matches_codeql_action() {
        assert_eq!(line_hashes(""), ["c129715d7a2bc9a3:1"]);
        assert_eq!(
            line_hashes(" a\nb\n  \t\tc\n d"),
            [
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
        assert_eq!(
            line_hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End"),
            [
                "8b7cf3e952e7aeb2:1",
                "b1ae1287ec4718d9:1",
                "bff680108adb0fcc:1",
                "c6805c5e1288b612:1",
                "b86d3392aea1be30:1",
                "e6ceba753e1a442:1",
            ]
        );
    }

    #[test]
    fn whitespace_and_crlf_do_not_change_hashes() {
        assert_eq!(
            line_hashes("alpha\nbeta\nalpha\n"),
            line_hashes(" a l p h a \r\n\tbeta\r\nalpha\r\n")
        );
    }
}
