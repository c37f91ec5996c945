//! Image references (`registry/repository:tag@digest`) as container
//! specs, Helm values and Dockerfile `FROM` lines write them.

/// A parsed image reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageRef {
    /// Registry host (`docker.io` when not written).
    pub registry: String,
    /// Repository path without registry.
    pub repository: String,
    /// The tag, when written.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), when written.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `registry/repository:tag@digest` as Docker does (a first
    /// segment with a dot or a colon, or `localhost`, is the registry).
    #[must_use]
    pub fn parse(image: &str) -> Self {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_owned())),
            None => (image, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |p| p + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(p) => (
                &rest[..last_slash + p],
                Some(rest[last_slash + p + 1..].to_owned()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), path.to_owned())
            }
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        Self {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The last path segment of the repository (`payment-service`).
    #[must_use]
    pub fn short_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// `registry/repository`.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let i = ImageRef::parse("registry.acme.internal:5000/payments/api:2.3.0@sha256:abc");
        assert_eq!(i.registry, "registry.acme.internal:5000");
        assert_eq!(i.repository, "payments/api");
        assert_eq!(i.tag.as_deref(), Some("2.3.0"));
        assert_eq!(i.digest.as_deref(), Some("sha256:abc"));
        let i = ImageRef::parse("nginx");
        assert_eq!((i.registry.as_str(), i.tag), ("docker.io", None));
        assert_eq!(
            ImageRef::parse("gcr.io/distroless/static:nonroot").short_name(),
            "static"
        );
    }
}
