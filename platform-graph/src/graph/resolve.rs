//! Resolving user input to a node: full references, references without a
//! namespace, bare names, and the nearest references when nothing matches.

use platform_model::EntityRef;

use super::node::NodeId;
use super::store::CatalogGraph;
use crate::error::Error;

impl CatalogGraph {
    /// Resolves user input: a full reference (`component:default/web`), a
    /// reference without namespace (`component:web`), or a bare name when
    /// only one entity has it.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownEntity`] with the nearest references, or
    /// [`Error::Ambiguous`] for a bare name several entities share.
    pub fn resolve(&self, text: &str) -> Result<NodeId, Error> {
        if let Ok(reference) = EntityRef::parse(text) {
            if let Some(id) = self.find(&reference) {
                return Ok(id);
            }
        } else if !text.contains(':') {
            let (namespace, name) = text.split_once('/').unwrap_or(("default", text));
            let matches: Vec<NodeId> = self
                .nodes()
                .filter(|(_, n)| {
                    !n.is_placeholder()
                        && n.entity_ref.name().eq_ignore_ascii_case(name)
                        && n.entity_ref.namespace().eq_ignore_ascii_case(namespace)
                })
                .map(|(id, _)| id)
                .collect();
            match matches.as_slice() {
                [one] => return Ok(*one),
                [] => {}
                many => {
                    return Err(Error::Ambiguous {
                        reference: text.to_owned(),
                        candidates: many
                            .iter()
                            .map(|&id| self.entity_ref(id).to_string())
                            .collect(),
                    });
                }
            }
        }
        Err(Error::UnknownEntity {
            reference: text.to_owned(),
            suggestions: self.suggestions(text, 3),
        })
    }

    /// The `limit` existing references nearest to `text` (by edit distance
    /// on the full reference and on the name).
    #[must_use]
    pub fn suggestions(&self, text: &str, limit: usize) -> Vec<String> {
        let wanted = text.to_lowercase();
        let wanted_name = wanted
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(&wanted)
            .to_owned();
        let mut scored: Vec<(usize, &str)> = self
            .index
            .keys()
            .filter(|r| {
                self.index
                    .get(*r)
                    .is_some_and(|&n| !self.graph[n].is_placeholder())
            })
            .filter_map(|r| {
                let key = r.as_key();
                let name = key.rsplit('/').next().unwrap_or(key);
                if name.len().abs_diff(wanted_name.len()) > 4
                    && key.len().abs_diff(wanted.len()) > 4
                {
                    return None;
                }
                let distance = edit_distance(&wanted, key).min(edit_distance(&wanted_name, name));
                (distance <= 4.max(wanted_name.len() / 3)).then_some((distance, key))
            })
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(limit)
            .map(|(_, k)| k.to_owned())
            .collect()
    }
}

/// Levenshtein distance on characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("payments-postgres", "payments-postgre"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
