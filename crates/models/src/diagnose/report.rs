//! [`Diagnosis`], its [`Severity`], and a [`Report`] of several.

use std::fmt;

/// How serious a diagnosis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A suggestion from the data; training may still go well.
    Hint,
    /// Training will run but probably not do what was meant.
    Warning,
    /// The configuration cannot work, or the trained model is unusable. Before training, an
    /// error stops `fit` unless `ignore_diagnostics` is set.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Hint => "hint",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding: a stable code, how serious it is, what was found (with numbers), what to
/// change, the numbers themselves as data, and, for a symptom such as a collapse, its likely
/// causes ranked most likely first.
///
/// ```
/// use nabla_models::diagnose::{Diagnosis, Severity};
/// let d = Diagnosis::new(
///     "class-imbalance",
///     Severity::Hint,
///     "class shares are skewed: benign 0.95, malignant 0.05",
///     "set class_weights to ClassWeights::Balanced",
/// )
/// .with_evidence("share of malignant", 0.05);
/// assert_eq!(d.evidence("share of malignant"), Some(0.05));
/// assert!(d.to_string().starts_with("hint[class-imbalance]: class shares are skewed"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// A stable identifier, such as `"regression-instead-of-classification"`.
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// What was found, with the numbers.
    pub finding: String,
    /// What to change.
    pub fix: String,
    /// The numbers behind the finding, by name.
    pub evidence: Vec<(String, f64)>,
    /// Likely causes, most likely first (each a diagnosis of severity hint with its own
    /// evidence and fix); empty for most diagnoses.
    pub causes: Vec<Diagnosis>,
}

impl Diagnosis {
    /// A diagnosis without evidence or causes.
    pub fn new(
        code: &'static str,
        severity: Severity,
        finding: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Diagnosis {
            code,
            severity,
            finding: finding.into(),
            fix: fix.into(),
            evidence: Vec::new(),
            causes: Vec::new(),
        }
    }

    /// Adds a named number to the evidence (builder style).
    pub fn with_evidence(mut self, name: impl Into<String>, value: f64) -> Self {
        self.evidence.push((name.into(), value));
        self
    }

    /// A number of the evidence by name.
    pub fn evidence(&self, name: &str) -> Option<f64> {
        self.evidence
            .iter()
            .find(|(k, _)| k == name)
            .map(|&(_, v)| v)
    }

    /// The codes of the causes, most likely first.
    pub fn cause_codes(&self) -> Vec<&'static str> {
        self.causes.iter().map(|c| c.code).collect()
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}[{}]: {}", self.severity, self.code, self.finding)?;
        for (i, cause) in self.causes.iter().enumerate() {
            writeln!(f, "  cause {} [{}]: {}", i + 1, cause.code, cause.finding)?;
            writeln!(f, "    fix: {}", cause.fix)?;
        }
        write!(f, "  fix: {}", self.fix)
    }
}

/// The diagnoses of one check, in the order they were found.
///
/// ```
/// use nabla_models::diagnose::{Diagnosis, Report, Severity};
/// let report = Report::from(vec![
///     Diagnosis::new("feature-scales", Severity::Hint, "ranges differ", "standardise"),
///     Diagnosis::new("softmax-single-unit", Severity::Error, "one unit", "use sigmoid"),
/// ]);
/// assert!(report.has_errors());
/// assert_eq!(report.at_least(Severity::Warning).count(), 1);
/// assert!(report.get("feature-scales").is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// The diagnoses.
    pub diagnoses: Vec<Diagnosis>,
}

impl From<Vec<Diagnosis>> for Report {
    fn from(diagnoses: Vec<Diagnosis>) -> Self {
        Report { diagnoses }
    }
}

impl Report {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.diagnoses.is_empty()
    }

    /// Number of diagnoses.
    pub fn len(&self) -> usize {
        self.diagnoses.len()
    }

    /// Appends a diagnosis.
    pub fn push(&mut self, diagnosis: Diagnosis) {
        self.diagnoses.push(diagnosis);
    }

    /// Appends every diagnosis of another report.
    pub fn extend(&mut self, other: Report) {
        self.diagnoses.extend(other.diagnoses);
    }

    /// The first diagnosis with this code.
    pub fn get(&self, code: &str) -> Option<&Diagnosis> {
        self.diagnoses.iter().find(|d| d.code == code)
    }

    /// Whether a diagnosis with this code was found.
    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }

    /// The codes found, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.diagnoses.iter().map(|d| d.code).collect()
    }

    /// The diagnoses of exactly this severity.
    pub fn of(&self, severity: Severity) -> impl Iterator<Item = &Diagnosis> {
        self.diagnoses
            .iter()
            .filter(move |d| d.severity == severity)
    }

    /// The diagnoses of this severity or a more serious one.
    pub fn at_least(&self, severity: Severity) -> impl Iterator<Item = &Diagnosis> {
        self.diagnoses
            .iter()
            .filter(move |d| d.severity >= severity)
    }

    /// Whether any diagnosis is an error.
    pub fn has_errors(&self) -> bool {
        self.of(Severity::Error).next().is_some()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.diagnoses.is_empty() {
            return write!(f, "no problems found");
        }
        for (i, d) in self.diagnoses.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_causes_in_rank_order_then_the_fix() {
        let mut d = Diagnosis::new("collapse", Severity::Error, "all one class", "do both");
        d.causes = vec![
            Diagnosis::new("a", Severity::Hint, "first", "fix a"),
            Diagnosis::new("b", Severity::Hint, "second", "fix b"),
        ];
        assert_eq!(
            d.to_string(),
            "error[collapse]: all one class\n  cause 1 [a]: first\n    fix: fix a\n  \
             cause 2 [b]: second\n    fix: fix b\n  fix: do both"
        );
        assert_eq!(d.cause_codes(), vec!["a", "b"]);
    }

    #[test]
    fn filters_by_severity() {
        let r = Report::from(vec![
            Diagnosis::new("h", Severity::Hint, "", ""),
            Diagnosis::new("w", Severity::Warning, "", ""),
        ]);
        assert!(!r.has_errors());
        assert_eq!(r.at_least(Severity::Hint).count(), 2);
        assert_eq!(
            r.of(Severity::Warning).map(|d| d.code).collect::<Vec<_>>(),
            ["w"]
        );
        assert_eq!(Report::default().to_string(), "no problems found");
    }
}
