//! Bad input to the `nabla` command: every file, flag and model file a user can get wrong is
//! refused with exit code 1 (2 for a flag the argument parser refuses), never a panic, and a
//! message that names what was passed, what was expected and the fix in the command line's
//! terms.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One bad input: the arguments (`{dir}` stands for the scratch folder of the files below),
/// the exit code, and the phrases the error must hold.
struct Case {
    args: &'static str,
    code: i32,
    expect: &'static [&'static str],
}

/// The files the cases read, by name.
const FILES: &[(&str, &[u8])] = &[
    ("empty.csv", b""),
    ("header.csv", b"a,b,y\n"),
    ("ragged.csv", b"a,b,y\n1,2,3\n4\n"),
    ("duplicate.csv", b"a,a,y\n1,2,3\n"),
    ("latin1.csv", b"a,t,y\n1,caf\xe9,0\n2,tea,1\n"),
    ("inf.csv", b"a,b,y\n1,2,0\n3,inf,1\n"),
    ("huge.csv", b"a,b,y\n1,2,0\n3,1e308,1\n"),
    ("huge_target.csv", b"a,b,y\n1,2,3\n4,5,1e308\n"),
    ("stray.csv", b"a,b,y\n1,2,0\n3,4,1\n5,oops,0\n"),
    ("no_targets.csv", b"a,b,y\n1,2,NA\n4,5,\n"),
    ("only_target.csv", b"y\n1\n2\n"),
    ("constant.csv", b"a,b,y\n1,2,0\n1,2,1\n"),
    ("one_hot.csv", b"a,p,q\n1,1,1\n2,0,1\n"),
    ("multi_hot.csv", b"a,p,q\n1,1,2\n2,0,1\n"),
    ("semicolons.csv", b"a;b;y\n1;2;3\n4;5;6\n"),
    (
        "animals.csv",
        b"a,b,y\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n",
    ),
    ("only_a.csv", b"a\n1\n2\n"),
    ("text_in_b.csv", b"a,b\n1,2\n3,x\n4,5\n"),
    ("not_a_model.csv", b"x\n1\n"),
];

const CASES: &[Case] = &[
    // Files.
    Case {
        args: "inspect {dir}/empty.csv -t y",
        code: 1,
        expect: &["empty.csv: the file is empty", "needs a header line"],
    },
    Case {
        args: "inspect {dir}/header.csv -t y",
        code: 1,
        expect: &[
            "(line 1) is followed by no data rows",
            "add one row per sample",
        ],
    },
    Case {
        args: "inspect {dir}/ragged.csv -t y",
        code: 1,
        expect: &[
            "ragged.csv, line 3: the row has 1 field but the header has 3",
            "missing or extra delimiter",
        ],
    },
    Case {
        args: "inspect {dir}/duplicate.csv -t y",
        code: 1,
        expect: &[
            "names columns 1 and 2 both \"a\"",
            "give every column a distinct name",
        ],
    },
    Case {
        args: "inspect {dir}/latin1.csv -t y",
        code: 1,
        expect: &[
            "latin1.csv, line 2",
            "column 2 (\"t\")",
            "not UTF-8",
            "save the file as UTF-8",
        ],
    },
    Case {
        args: "inspect {dir} -t y",
        code: 1,
        expect: &[
            "it is a folder, not a file",
            "pass the path of a CSV file inside it",
        ],
    },
    Case {
        args: "inspect {dir}/no_such_file.csv -t y",
        code: 1,
        expect: &["no_such_file.csv: cannot read the file", "No such file"],
    },
    Case {
        args: "inspect /dev/null -t y",
        code: 1,
        expect: &["/dev/null: the file is empty", "needs a header line"],
    },
    Case {
        args: "inspect {dir}/animals.csv -t Y",
        code: 1,
        expect: &[
            "no column named \"Y\"",
            "\"a\", \"b\", \"y\"",
            "case-sensitive",
        ],
    },
    Case {
        args: "inspect {dir}/inf.csv -t y",
        code: 1,
        expect: &[
            "line 3, column 2 (\"b\"): \"inf\" is not a finite number",
            "empty the cell",
        ],
    },
    Case {
        args: "train {dir}/huge.csv -t y",
        code: 1,
        expect: &[
            "line 3, column 2 (\"b\"): \"1e308\"",
            "at most 1e150",
            "rescale the column",
        ],
    },
    Case {
        args: "train {dir}/huge_target.csv -t y",
        code: 1,
        expect: &["line 3, column 3 (\"y\"): \"1e308\"", "at most 1e150"],
    },
    Case {
        args: "train {dir}/stray.csv -t y",
        code: 1,
        expect: &[
            "line 4, column 2 (\"b\"): \"oops\" is text in a column of numbers",
            "--na-values on the command line",
        ],
    },
    Case {
        args: "inspect {dir}/no_targets.csv -t y",
        code: 1,
        expect: &["every row misses its target (\"y\")", "fill in the targets"],
    },
    Case {
        args: "inspect {dir}/only_target.csv -t y",
        code: 1,
        expect: &[
            "no feature columns are left",
            "keep at least one column besides the target",
        ],
    },
    Case {
        args: "inspect {dir}/constant.csv -t y",
        code: 1,
        expect: &[
            "no feature columns are left",
            "column \"a\" left out: it holds one value (1)",
        ],
    },
    Case {
        args: "inspect {dir}/one_hot.csv -t p -t q --kind one-hot",
        code: 1,
        expect: &[
            "line 2",
            "hold 2 ones",
            "--kind multi-hot on the command line",
        ],
    },
    Case {
        args: "inspect {dir}/multi_hot.csv -t p -t q --kind multi-hot",
        code: 1,
        expect: &[
            "line 2, column \"q\": the target is \"2\"",
            "must hold 0 or 1",
        ],
    },
    Case {
        args: "inspect {dir}/semicolons.csv -t y --delimiter ,",
        code: 1,
        expect: &[
            "\"a;b;y\"",
            "read as one column: is the delimiter right?",
            "--delimiter",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y --kind continuous",
        code: 1,
        expect: &[
            "line 2, column 3 (\"y\"): \"cat\" is not a number",
            "--kind labels",
        ],
    },
    Case {
        args: "train {dir}/one_hot.csv -t p -t q --kind labels",
        code: 1,
        expect: &[
            "--kind labels reads one column of labels, but 2",
            "--kind one-hot",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y -t y",
        code: 1,
        expect: &["--target y is given twice", "name each target column once"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --features nope",
        code: 1,
        expect: &["no column named \"nope\"", "\"a\", \"b\", \"y\""],
    },
    Case {
        args: "train {dir}/animals.csv -t y --features a,y",
        code: 1,
        expect: &[
            "\"y\" is named both as a target and as a feature",
            "remove it from the",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y --drop a,b",
        code: 1,
        expect: &["no feature columns are left", "keep at least one column"],
    },
    Case {
        args: "inspect {dir}/animals.csv -t y --drop zz",
        code: 1,
        expect: &["no column named \"zz\""],
    },
    // Flags the argument parser refuses.
    Case {
        args: "train {dir}/animals.csv -t y --hidden 0",
        code: 2,
        expect: &["'--hidden <HIDDEN>'", "it must be at least 1"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --hidden 64,0,8",
        code: 2,
        expect: &["'--hidden <HIDDEN>'", "it must be at least 1"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --epochs 0",
        code: 2,
        expect: &["'--epochs <EPOCHS>'", "it must be at least 1"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --lr 0",
        code: 2,
        expect: &["'--lr <LR>'", "not a finite number greater than 0"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --lr=-0.1",
        code: 2,
        expect: &["'--lr <LR>'", "-0.1 is not a finite number greater than 0"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --lr NaN",
        code: 2,
        expect: &["'--lr <LR>'", "NaN is not a finite number greater than 0"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --threshold 2",
        code: 2,
        expect: &[
            "'--threshold <THRESHOLD>'",
            "2 is not strictly between 0 and 1",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y --batch-size 0",
        code: 2,
        expect: &["'--batch-size <BATCH_SIZE>'", "it must be at least 1"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --test-fraction 1",
        code: 2,
        expect: &[
            "'--test-fraction <TEST_FRACTION>'",
            "not strictly between 0 and 1",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y --early-stopping 0",
        code: 2,
        expect: &[
            "'--early-stopping <EARLY_STOPPING>'",
            "it must be at least 1",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y --clip-norm 0",
        code: 2,
        expect: &[
            "'--clip-norm <CLIP_NORM>'",
            "0 is not a finite number greater than 0",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y --delimiter ab",
        code: 2,
        expect: &["\"ab\" is not a delimiter", "the word tab"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --kind labelz",
        code: 2,
        expect: &[
            "\"labelz\" is not a target kind",
            "continuous, labels, one-hot, multi-hot",
        ],
    },
    Case {
        args: "train {dir}/animals.csv -t y --optimizer adamm",
        code: 2,
        expect: &["invalid value 'adamm' for '--optimizer", "adam"],
    },
    Case {
        args: "train {dir}/animals.csv -t y --activation relux",
        code: 1,
        expect: &["unknown activation 'relux'", "relu"],
    },
    // Model files.
    Case {
        args: "predict {dir}/no_model.safetensors {dir}/only_a.csv",
        code: 1,
        expect: &["no_model.safetensors: cannot read the file", "No such file"],
    },
    Case {
        args: "predict {dir}/not_a_model.csv {dir}/only_a.csv",
        code: 1,
        expect: &[
            "not_a_model.csv: the file holds 4 bytes",
            "save the model again",
        ],
    },
    Case {
        args: "show {dir}/animals.csv",
        code: 1,
        expect: &["not a safetensors model file", "save the model again"],
    },
    Case {
        args: "predict {dir}/model.safetensors {dir}/only_a.csv",
        code: 1,
        expect: &[
            "missing: \"b\"",
            "reads the columns \"a\", \"b\"",
            "add the missing ones",
        ],
    },
    Case {
        args: "predict {dir}/model.safetensors {dir}/text_in_b.csv",
        code: 1,
        expect: &["text_in_b.csv, line 3, column 2 (\"b\"): \"x\""],
    },
    Case {
        args: "evaluate {dir}/model.safetensors {dir}/only_a.csv",
        code: 1,
        expect: &["no column named \"y\""],
    },
    Case {
        args: "train {dir}/animals.csv -t y --epochs 1 --save {dir}",
        code: 1,
        expect: &["it is a folder", "such as model.safetensors"],
    },
    Case {
        args: "predict {dir}/model.safetensors {dir}/animals.csv --out {dir}",
        code: 1,
        expect: &["cannot write the predictions"],
    },
];

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nabla-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in FILES {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

fn run(args: &[String]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nabla"))
        .args(args)
        .output()
        .expect("the nabla binary runs")
}

fn arguments(template: &str, dir: &Path) -> Vec<String> {
    template
        .split_whitespace()
        .map(|a| a.replace("{dir}", dir.to_str().unwrap()))
        .collect()
}

#[test]
fn every_bad_input_is_refused_with_what_and_how_to_fix_it() {
    let dir = scratch();
    let model = arguments(
        "train {dir}/animals.csv -t y --epochs 1 --print-every 0 --test-fraction 0.5 --save \
         {dir}/model.safetensors",
        &dir,
    );
    let out = run(&model);
    assert!(out.status.success(), "{out:?}");
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let mut failures = Vec::new();
    for case in CASES {
        let out = run(&arguments(case.args, &dir));
        let err = String::from_utf8_lossy(&out.stderr);
        let missing: Vec<&str> = case
            .expect
            .iter()
            .copied()
            .filter(|e| !err.contains(e))
            .collect();
        if out.status.code() != Some(case.code) || !missing.is_empty() || err.contains("panicked") {
            failures.push(format!(
                "nabla {}\n  exit {:?} (expected {}), missing {missing:?}\n  stderr: {err}",
                case.args,
                out.status.code(),
                case.code
            ));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
