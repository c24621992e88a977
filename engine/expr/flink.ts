// Renders a parsed expression as Flink SQL. Functions this language offers under other names become
// their Flink spelling (length → CHAR_LENGTH, date_trunc → FLOOR(… TO unit), strpos → POSITION(… IN …),
// % → MOD, != → <>), parentheses are added only where Flink's precedence needs them, and identifiers that
// are reserved or not plain words are quoted with backticks. Everything emitted parses back here too.
import type { Expr, LiteralValue } from './ast.ts';
import { formatDate, formatTimestamp } from './values.ts';

/** SQL reserved words in Flink (Calcite's, then Flink's own parser keywords such as VIEWS) that clash with column names; these get backticks. */
const flinkReserved: ReadonlySet<string> = new Set(`
ALL ALLOCATE ALTER AND ANY ARE ARRAY AS ASYMMETRIC AT AUTHORIZATION AVG BEGIN BETWEEN BIGINT BINARY BIT BLOB
BOOLEAN BOTH BY CALL CALLED CARDINALITY CASCADED CASE CAST CEIL CEILING CHAR CHARACTER CHAR_LENGTH CHECK CLOB
CLOSE COALESCE COLLATE COLLECT COLUMN COMMIT CONDITION CONNECT CONSTRAINT CONVERT CORR CORRESPONDING COUNT
CREATE CROSS CUBE CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR CYCLE DATE DAY
DEALLOCATE DEC DECIMAL DECLARE DEFAULT DELETE DESCRIBE DETERMINISTIC DISALLOW DISCONNECT DISTINCT DOUBLE DROP
DYNAMIC EACH ELEMENT ELSE END ESCAPE EVERY EXCEPT EXEC EXECUTE EXISTS EXP EXPLAIN EXTEND EXTERNAL EXTRACT FALSE
FETCH FILTER FIRST_VALUE FLOAT FLOOR FOR FOREIGN FREE FROM FULL FUNCTION FUSION GET GLOBAL GRANT GROUP GROUPING
HAVING HOLD HOUR IDENTITY IMPORT IN INDICATOR INNER INOUT INSENSITIVE INSERT INT INTEGER INTERSECT INTERSECTION
INTERVAL INTO IS JOIN LAG LANGUAGE LARGE LAST_VALUE LATERAL LEAD LEADING LEFT LIKE LIMIT LN LOCAL LOCALTIME
LOCALTIMESTAMP LOWER MATCH MAX MEMBER MERGE METHOD MIN MINUTE MOD MODIFIES MODULE MONTH MULTISET NATIONAL NATURAL
NCHAR NCLOB NEW NEXT NO NONE NORMALIZE NOT NULL NULLIF NUMERIC OCTET_LENGTH OF OFFSET OLD ON ONLY OPEN OR ORDER
OUT OUTER OVER OVERLAPS OVERLAY PARAMETER PARTITION PERCENT PERIOD POSITION POWER PRECISION PREPARE PRIMARY
PROCEDURE RANGE RANK READS REAL RECURSIVE REF REFERENCES REFERENCING RELEASE RESET RESULT RETURN RETURNS REVOKE
RIGHT ROLLBACK ROLLUP ROW ROWS SAVEPOINT SCOPE SCROLL SEARCH SECOND SELECT SENSITIVE SESSION_USER SET SIMILAR
SMALLINT SOME SPECIFIC SQL SQLEXCEPTION SQLSTATE SQLWARNING SQRT START STATIC STDDEV_POP STDDEV_SAMP STRING
SUBMULTISET SUBSTRING SUM SYMMETRIC SYSTEM SYSTEM_USER TABLE TABLESAMPLE THEN TIME TIMESTAMP TIMEZONE_HOUR
TIMEZONE_MINUTE TINYINT TO TRAILING TRANSLATE TRANSLATION TREAT TRIGGER TRIM TRUE TRUNCATE UESCAPE UNION UNIQUE
UNKNOWN UNNEST UPDATE UPPER USER USING VALUE VALUES VARBINARY VARCHAR VARYING WHEN WHENEVER WHERE WINDOW WITH
WITHIN WITHOUT YEAR
ANALYZE BYTES CATALOGS CHANGELOG_MODE COLUMNS COMMENT COMPILE COMPUTE DATABASES DISTRIBUTED DISTRIBUTION ENFORCED
ESTIMATED_COST EXTENDED FUNCTIONS IF JAR JARS JSON_EXECUTION_PLAN LOAD METADATA MODULES OVERWRITE OVERWRITING
PARTITIONED PARTITIONS PLAN PYTHON RAW REMOVE RENAME SCALA STATEMENT STATISTICS TABLES TIMESTAMP_LTZ TRY_CAST
UNLOAD USE VIEWS VIRTUAL WATERMARK WATERMARKS
`.trim().split(/\s+/));

export function quoteIdentifier(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !flinkReserved.has(name.toUpperCase())) return name;
  return `\`${name.replaceAll('`', '``')}\``;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function literal(l: LiteralValue): string {
  switch (l.type) {
    case 'null':
      return 'NULL';
    case 'boolean':
      return l.value ? 'TRUE' : 'FALSE';
    case 'number':
      return l.raw.startsWith('.') ? `0${l.raw}` : l.raw;
    case 'string':
      return quoteString(l.value);
    case 'timestamp':
      return `TIMESTAMP '${formatTimestamp(l.ms)}'`;
    case 'date':
      return `DATE '${formatDate(l.ms)}'`;
    case 'interval': {
      // Flink's default leading precision is 2 digits; wider amounts must say so.
      const digits = String(Math.abs(l.amount)).length;
      return `INTERVAL '${l.amount}' ${l.unit}${digits > 2 ? `(${digits})` : ''}`;
    }
  }
}

const atom = 100;

function precedence(node: Expr): number {
  switch (node.kind) {
    case 'negate':
      return 80;
    case 'binary':
      switch (node.op) {
        case '*':
        case '/':
        case '||':
          return 60;
        case '+':
        case '-':
          return 40;
        case '%':
          return atom;
        default:
          return 30;
      }
    case 'in':
    case 'between':
    case 'like':
      return 32;
    case 'is':
      return 28;
    case 'not':
      return 26;
    case 'logical':
      return node.op === 'AND' ? 24 : 22;
    default:
      return atom;
  }
}

function wrap(node: Expr, min: number): string {
  const text = render(node);
  return precedence(node) >= min ? text : `(${text})`;
}

function args(nodes: readonly Expr[]): string {
  return nodes.map((n) => render(n)).join(', ');
}

const renamed: Readonly<Record<string, string>> = {
  length: 'CHAR_LENGTH',
  character_length: 'CHAR_LENGTH',
  ceiling: 'CEIL',
};

/** Calcite allows only an atomic needle before IN (`POSITION(a || b IN s)` does not parse); LOCATE takes any. */
function position(needle: Expr, haystack: Expr): string {
  return precedence(needle) >= atom ? `POSITION(${render(needle)} IN ${render(haystack)})` : `LOCATE(${render(needle)}, ${render(haystack)})`;
}

function call(node: Extract<Expr, { kind: 'call' }>): string {
  const [a, b, c] = node.args;
  switch (node.name) {
    case 'substr':
    case 'substring':
      if (a && b) return `SUBSTRING(${render(a)} FROM ${render(b)}${c ? ` FOR ${render(c)}` : ''})`;
      break;
    case 'position':
    case 'locate':
      if (a && b) return position(a, b);
      break;
    case 'strpos':
      if (a && b) return position(b, a);
      break;
  }
  return `${renamed[node.name] ?? node.name.toUpperCase()}(${args(node.args)})`;
}

/** Flink SQL text of a parsed expression. */
export function render(node: Expr): string {
  switch (node.kind) {
    case 'literal':
      return literal(node.literal);
    case 'column':
      return node.path.map(quoteIdentifier).join('.');
    case 'negate': {
      const inner = wrap(node.operand, 80);
      // `--` would start a comment.
      return inner.startsWith('-') ? `-(${inner})` : `-${inner}`;
    }
    case 'not':
      return `NOT ${wrap(node.operand, 26)}`;
    case 'binary': {
      if (node.op === '%') return `MOD(${render(node.left)}, ${render(node.right)})`;
      const p = precedence(node);
      const comparison = p === 30;
      return `${wrap(node.left, comparison ? p + 1 : p)} ${node.op} ${wrap(node.right, p + 1)}`;
    }
    case 'logical': {
      const p = precedence(node);
      return node.operands.map((o) => wrap(o, p)).join(` ${node.op} `);
    }
    case 'is':
      return `${wrap(node.operand, 29)} IS ${node.negated ? 'NOT ' : ''}${node.test}`;
    case 'in':
      return `${wrap(node.operand, 33)} ${node.negated ? 'NOT ' : ''}IN (${args(node.list)})`;
    case 'between':
      return `${wrap(node.operand, 33)} ${node.negated ? 'NOT ' : ''}BETWEEN ${wrap(node.low, 33)} AND ${wrap(node.high, 33)}`;
    case 'like': {
      const escape = node.escape === null ? '' : ` ESCAPE ${quoteString(node.escape)}`;
      return `${wrap(node.operand, 33)} ${node.negated ? 'NOT ' : ''}LIKE ${wrap(node.pattern, 33)}${escape}`;
    }
    case 'case': {
      const parts = ['CASE'];
      if (node.operand) parts.push(render(node.operand));
      for (const w of node.whens) parts.push('WHEN', render(w.when), 'THEN', render(w.then));
      if (node.otherwise) parts.push('ELSE', render(node.otherwise));
      parts.push('END');
      return parts.join(' ');
    }
    case 'cast': {
      const t = node.type;
      let type: string = t.name;
      if (t.name === 'DECIMAL') type = `DECIMAL(${t.length ?? 10}, ${t.scale ?? 0})`;
      else if ((t.name === 'VARCHAR' || t.name === 'CHAR') && t.length !== undefined) type = `${t.name}(${t.length})`;
      else if (t.name === 'TIMESTAMP') type = `TIMESTAMP(${t.length ?? 3})`;
      return `${node.safe ? 'TRY_CAST' : 'CAST'}(${render(node.operand)} AS ${type})`;
    }
    case 'extract':
      return `EXTRACT(${node.unit} FROM ${render(node.operand)})`;
    case 'floorTime':
      return `${node.ceil ? 'CEIL' : 'FLOOR'}(${render(node.operand)} TO ${node.unit})`;
    case 'trim': {
      if (node.mode === 'BOTH' && node.chars === null) return `TRIM(${render(node.operand)})`;
      return `TRIM(${node.mode} ${node.chars ? `${render(node.chars)} ` : ''}FROM ${render(node.operand)})`;
    }
    case 'call':
      return call(node);
  }
}
