//! Character-level language-model data: a [`CharVocab`] and the next-character examples of a
//! list of words ([`next_char_examples`]), ready for a classifier whose inputs are token ids.

use super::error::DataError;
use super::targets::Targets;
use nabla_autodiff::Tensor;

/// The tokens of a character-level model: token 0 is the boundary `.` (it pads the context
/// before a word and ends it), then one token per character of the alphabet.
///
/// ```
/// use nabla_models::data::CharVocab;
/// let vocab = CharVocab::lowercase();
/// assert_eq!(vocab.len(), 27);
/// assert_eq!(vocab.encode("abz")?, vec![1, 2, 26]);
/// assert_eq!(vocab.decode(&[3, 1, 2, 0]), "cab.");
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharVocab {
    /// The boundary, then the alphabet.
    chars: Vec<char>,
}

impl CharVocab {
    /// The boundary `.` and the letters `a` to `z`.
    pub fn lowercase() -> Self {
        Self::new("abcdefghijklmnopqrstuvwxyz".chars())
    }

    /// The boundary `.` and `alphabet`, in order (repeats and `.` itself are dropped).
    pub fn new(alphabet: impl IntoIterator<Item = char>) -> Self {
        let mut chars = vec![Self::BOUNDARY];
        for c in alphabet {
            if !chars.contains(&c) {
                chars.push(c);
            }
        }
        CharVocab { chars }
    }

    /// The boundary character, token 0.
    pub const BOUNDARY: char = '.';

    /// Number of tokens, the boundary included.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Always false: the boundary is a token.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The token of `c`, if it is in the vocabulary.
    pub fn token(&self, c: char) -> Option<usize> {
        self.chars.iter().position(|&k| k == c)
    }

    /// The tokens of `word`.
    ///
    /// # Errors
    /// If a character is not in the vocabulary; the message names it and the word.
    pub fn encode(&self, word: &str) -> Result<Vec<usize>, DataError> {
        word.chars()
            .map(|c| {
                self.token(c).ok_or_else(|| DataError::InvalidArgument {
                    function: "CharVocab::encode",
                    message: format!(
                        "{c:?} in {word:?} is not in the vocabulary ({}); lower-case the text \
                         or build the vocabulary with CharVocab::new from its characters",
                        self.chars.iter().collect::<String>()
                    ),
                })
            })
            .collect()
    }

    /// The characters of `tokens` (ids beyond the vocabulary print as `?`).
    pub fn decode(&self, tokens: &[usize]) -> String {
        tokens
            .iter()
            .map(|&t| self.chars.get(t).copied().unwrap_or('?'))
            .collect()
    }

    /// Each token's character as a string, in token order: the class names of next-character
    /// targets.
    pub fn names(&self) -> Vec<String> {
        self.chars.iter().map(char::to_string).collect()
    }
}

/// The next-character examples of `words`: a word of `n` characters gives `n + 1` rows, each
/// the previous `context` tokens (padded with the boundary before the word) as features
/// `[rows, context]` of token ids, and the next token as a label, the boundary after the
/// last character.
///
/// ```
/// use nabla_models::data::{CharVocab, next_char_examples};
/// let vocab = CharVocab::lowercase();
/// let (x, y) = next_char_examples(&["ab"], &vocab, 2)?;
/// assert_eq!(x.shape(), &[3, 2]);
/// assert_eq!(x.data(), &[0.0, 0.0, 0.0, 1.0, 1.0, 2.0]); // "..", ".a", "ab"
/// assert_eq!(y.class_indices(), Some(vec![1, 2, 0])); // a, b, end
/// # Ok::<(), nabla_models::data::DataError>(())
/// ```
///
/// # Errors
/// If `context` is 0, there are no words, or a character is not in the vocabulary.
pub fn next_char_examples<S: AsRef<str>>(
    words: &[S],
    vocab: &CharVocab,
    context: usize,
) -> Result<(Tensor<f64>, Targets), DataError> {
    let invalid = |message: &str| DataError::InvalidArgument {
        function: "next_char_examples",
        message: message.to_string(),
    };
    if context == 0 {
        return Err(invalid("context is 0; give at least one previous token"));
    }
    if words.is_empty() {
        return Err(invalid("no words were given; pass at least one"));
    }
    let (mut ids, mut next) = (Vec::new(), Vec::new());
    for word in words {
        let mut window = vec![0usize; context];
        for token in vocab.encode(word.as_ref())?.into_iter().chain([0]) {
            ids.extend(window.iter().map(|&t| t as f64));
            next.push(token);
            window.rotate_left(1);
            window[context - 1] = token;
        }
    }
    let rows = next.len();
    Ok((
        Tensor::from_vec(ids, &[rows, context]),
        Targets::labels(next, &vocab.names())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_gives_one_row_per_character_and_one_for_its_end() {
        let vocab = CharVocab::lowercase();
        let (x, y) = next_char_examples(&["emma", "bo"], &vocab, 3).unwrap();
        assert_eq!(x.shape(), &[5 + 3, 3]);
        // "emma": ... -> e, ..e -> m, .em -> m, emm -> a, mma -> end.
        let rows: Vec<String> = x
            .data()
            .chunks(3)
            .map(|r| vocab.decode(&r.iter().map(|&v| v as usize).collect::<Vec<_>>()))
            .collect();
        assert_eq!(
            rows,
            ["...", "..e", ".em", "emm", "mma", "...", "..b", ".bo"]
        );
        assert_eq!(
            vocab.decode(&y.class_indices().unwrap()),
            "emma.bo.".to_string()
        );
    }

    #[test]
    fn an_unknown_character_names_it_and_the_word() {
        let err = next_char_examples(&["zoë"], &CharVocab::lowercase(), 3).unwrap_err();
        assert!(err.to_string().contains("'ë' in \"zoë\""), "{err}");
    }
}
