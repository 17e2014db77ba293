//! `leadscore completions SHELL` and `leadscore man [--out-dir DIR]`: shell completions and
//! man pages generated from the clap definition of every command, so they never drift from
//! the real flags.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::{print_out, Cli, Outcome};

/// Arguments of `leadscore completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

/// Arguments of `leadscore man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `leadscore.1` and one page per subcommand (`leadscore-score.1`, ...) into this
    /// directory (it must exist); without it, print `leadscore.1` to stdout.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
}

/// Prints the completion script.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "leadscore", &mut buf);
    print_out(&String::from_utf8(buf)?)?;
    Ok(Outcome::Ok)
}

/// Prints or writes the man pages.
pub fn man(args: ManArgs) -> anyhow::Result<Outcome> {
    let cmd = Cli::command();
    match args.out_dir {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            print_out(&String::from_utf8(buf)?)?;
        }
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!("--out-dir {}: no such directory; create it first", dir.display());
            }
            let mut staged = Vec::new();
            let mut pages = vec![("leadscore".to_string(), cmd.clone())];
            for sub in cmd.get_subcommands() {
                pages.push((
                    format!("leadscore-{}", sub.get_name()),
                    sub.clone()
                        .display_name(format!("leadscore-{}", sub.get_name()))
                        .bin_name(format!("leadscore {}", sub.get_name())),
                ));
            }
            for (name, page) in pages {
                let mut buf = Vec::new();
                clap_mangen::Man::new(page).render(&mut buf)?;
                staged.push(leadscore::data::output::Staged::bytes(&dir.join(format!("{name}.1")), &buf)?);
            }
            let n = staged.len();
            leadscore::data::output::commit_all(staged)?;
            print_out(&format!("{n} man pages written to {}\n", dir.display()))?;
        }
    }
    Ok(Outcome::Ok)
}
