/**
 * PowerShell syntax check without PowerShell: the tree-sitter PowerShell grammar, shipped
 * as a prebuilt .wasm in its npm package, run by web-tree-sitter. It catches what breaks a
 * script before it runs (unbalanced braces, bad here-strings, stray tokens); it does not
 * know cmdlets or types, so it is a parse check, not a linter.
 */
import { createRequire } from 'node:module';
import { Language, type Node, Parser } from 'web-tree-sitter';

export interface PowerShellSyntaxProblem {
  kind: 'error' | 'missing';
  /** 1-based line and column of the problem. */
  line: number;
  column: number;
  /** The offending source text (short), or the node type that was expected. */
  text: string;
}

export interface PowerShellParse {
  ok: boolean;
  problems: PowerShellSyntaxProblem[];
  /** The root node, for tests that look inside the tree. */
  root: Node;
}

let parserPromise: Promise<Parser> | undefined;

async function loadParser(): Promise<Parser> {
  const require = createRequire(import.meta.url);
  await Parser.init();
  const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** One parser per process: loading the grammar costs far more than a parse. */
export function powerShellParser(): Promise<Parser> {
  parserPromise ??= loadParser();
  return parserPromise;
}

export async function parsePowerShell(source: string): Promise<PowerShellParse> {
  const parser = await powerShellParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  const problems: PowerShellSyntaxProblem[] = [];
  const walk = (node: Node): void => {
    if (node.isError || node.isMissing) {
      problems.push({
        kind: node.isMissing ? 'missing' : 'error',
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        text: node.isMissing ? node.type : node.text.slice(0, 60),
      });
    }
    // Only descend where an error hides: keeps the walk cheap on big, clean files.
    if (node.hasError) for (const child of node.children) if (child) walk(child);
  };
  walk(tree.rootNode);
  return { ok: problems.length === 0, problems, root: tree.rootNode };
}

export function formatProblems(file: string, problems: readonly PowerShellSyntaxProblem[]): string {
  return problems.map((p) => `${file}:${p.line}:${p.column} ${p.kind} ${JSON.stringify(p.text)}`).join('\n');
}
