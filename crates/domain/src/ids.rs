//! Typed ids: a product id cannot be passed where a store id is expected. Each is the local text
//! id as stored (a UUID), serialized as a plain string.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, taken out.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A connected store (local id).
    StoreId
);
id_type!(
    /// A product of a store (local id).
    ProductId
);
id_type!(
    /// A pricing decision.
    DecisionId
);
id_type!(
    /// An optimization run.
    RunId
);
id_type!(
    /// A pricing rule.
    RuleId
);
id_type!(
    /// A product category (local id).
    CategoryId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_strings_on_the_wire_and_look_up_by_str() {
        let p = ProductId::from("p-1");
        assert_eq!(serde_json::to_string(&p).expect("json"), "\"p-1\"");
        let back: ProductId = serde_json::from_str("\"p-1\"").expect("parse");
        assert_eq!(back, p);
        let mut m = std::collections::HashMap::new();
        m.insert(p.clone(), 1);
        assert_eq!(m.get("p-1"), Some(&1));
        assert_eq!(p.to_string(), "p-1");
    }
}
