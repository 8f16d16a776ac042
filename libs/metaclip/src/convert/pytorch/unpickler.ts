/**
 * A restricted unpickler for PyTorch checkpoints: a pickle virtual machine that knows only the globals
 * `torch.load(weights_only=True)` allows for a state dict (tensor and parameter rebuilds, typed storages,
 * `collections.OrderedDict`) and implements each of them itself. Any other global — `os.system`, `builtins.exec`,
 * a model class — is refused the moment the pickle names it, before anything could call it; nothing in a pickle is
 * ever executed, since there is no Python here to execute it. `PickleRefusedError` says what was named.
 */
import { ModelLoadError } from '../../errors.ts';

/** Element types of torch's typed storages, by their pickled class name. */
export const STORAGE_DTYPES = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
} as const;
/** A storage element type. */
export type StorageDtype = (typeof STORAGE_DTYPES)[keyof typeof STORAGE_DTYPES]['dtype'];

/** A storage a tensor views: the archive entry `data/<key>` holding `numel` elements. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: StorageDtype;
  readonly bytesPerElement: number;
  readonly numel: number;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view into a storage. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  /** In elements. */
  readonly offset: number;
  readonly shape: number[];
  /** In elements. */
  readonly stride: number[];
}

/** A pickle named a global outside the allowlist; nothing was run. */
export class PickleRefusedError extends ModelLoadError {
  /** `module.name` of the refused global. */
  readonly global: string;

  constructor(source: string, global: string) {
    super(
      `${source}: refused to load: the pickle names ${global}, which is not part of a plain state dict ` +
        '(torch.load(weights_only=True) refuses it too). Nothing was run. A checkpoint that needs it may execute ' +
        'code when loaded; get a safetensors copy of the model, or re-save only its state_dict.',
      { path: source },
    );
    this.global = global;
  }
}

class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}
const MARK = Symbol('mark');
type Value = unknown;

/** What each allowed global is: a storage class, or a function we implement. */
const ALLOWED: Record<string, ((args: Value[]) => Value) | 'storage'> = {
  'collections.OrderedDict': (args) => new Map((args[0] as [Value, Value][] | undefined) ?? []),
  'torch._utils._rebuild_tensor_v2': (args) => rebuildTensor(args),
  'torch._utils._rebuild_parameter': (args) => args[0],
  'torch._utils._rebuild_parameter_with_state': (args) => args[0],
  ...Object.fromEntries(Object.keys(STORAGE_DTYPES).map((name) => [`torch.${name}`, 'storage' as const])),
};

function rebuildTensor(args: Value[]): TensorRef {
  const [storage, offset, shape, stride] = args as [StorageRef, number, number[], number[]];
  if (storage?.kind !== 'storage' || !Array.isArray(shape) || !Array.isArray(stride)) {
    throw new TypeError('_rebuild_tensor_v2 called with arguments that are not a storage, offset, size and stride');
  }
  return { kind: 'tensor', storage, offset, shape: [...shape], stride: [...stride] };
}

/**
 * Run `pickle` (protocols 2-5) and return the object it builds; `persistentLoad` turns torch's persistent ids
 * (`('storage', StorageClass, key, location, numel)`) into {@link StorageRef}s.
 * @throws PickleRefusedError for a global outside the allowlist; ModelLoadError for a malformed pickle.
 */
export function unpickle(pickle: Uint8Array, source: string): Value {
  const data = Buffer.from(pickle.buffer, pickle.byteOffset, pickle.byteLength);
  const stack: Value[] = [];
  const memo = new Map<number, Value>();
  let p = 0;
  const fail = (why: string): never => {
    throw new ModelLoadError(`${source}: malformed pickle at byte ${p}: ${why}`, { path: source });
  };
  const need = (n: number) => {
    if (p + n > data.length) fail('unexpected end of data');
    const at = p;
    p += n;
    return at;
  };
  const pop = () => (stack.length > 0 ? stack.pop() : fail('stack underflow'));
  const top = () => (stack.length > 0 ? stack[stack.length - 1] : fail('empty stack'));
  const popMark = (): Value[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const text = (n: number) => data.toString('utf8', need(n), p);
  const resolve = (module: string, name: string): Global => {
    const full = `${module}.${name}`;
    if (!(full in ALLOWED)) throw new PickleRefusedError(source, full);
    return new Global(module, name);
  };
  const call = (fn: Value, args: Value): Value => {
    if (!(fn instanceof Global)) fail('REDUCE on something that is not a global');
    const impl = ALLOWED[`${(fn as Global).module}.${(fn as Global).name}`];
    if (typeof impl !== 'function')
      throw new PickleRefusedError(source, `${(fn as Global).module}.${(fn as Global).name}()`);
    return impl(args as Value[]);
  };
  const persistent = (pid: Value): StorageRef => {
    const [tag, type, key, , numel] = pid as [string, Global, string, string, number];
    if (tag !== 'storage' || !(type instanceof Global) || !(type.name in STORAGE_DTYPES)) {
      fail(`persistent id ${JSON.stringify(tag)} is not a torch storage`);
    }
    const info = STORAGE_DTYPES[type.name as keyof typeof STORAGE_DTYPES];
    return { kind: 'storage', key: String(key), dtype: info.dtype, bytesPerElement: info.bytes, numel: Number(numel) };
  };

  for (;;) {
    const op = data[need(1)];
    switch (op) {
      case 0x80: // PROTO
        need(1);
        break;
      case 0x95: // FRAME
        need(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(data[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(data.readUInt16LE(need(2)));
        break;
      case 0x4a: // BININT
        stack.push(data.readInt32LE(need(4)));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = data[need(1)] as number;
        const at = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[at + i] as number);
        if (n > 0 && (data[at + n - 1] as number) & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(data.readDoubleBE(need(8)));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(data.readUInt32LE(need(4))));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(data[need(1)] as number));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(Number(data.readBigUInt64LE(need(8)))));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(data.toString('latin1', need(data[need(1)] as number), p));
        break;
      case 0x54: // BINSTRING
        stack.push(data.toString('latin1', need(data.readUInt32LE(need(4))), p));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(data.subarray(need(data[need(1)] as number), p));
        break;
      case 0x42: // BINBYTES
        stack.push(data.subarray(need(data.readUInt32LE(need(4))), p));
        break;
      case 0x29: // EMPTY_TUPLE
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const map = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) map.set(items[i], items[i + 1]);
        stack.push(map);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        (top() as Value[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        (top() as Value[]).push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asMap(top(), fail).set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const map = asMap(top(), fail);
        for (let i = 0; i + 1 < items.length; i += 2) map.set(items[i], items[i + 1]);
        break;
      }
      case 0x71: // BINPUT
        memo.set(data[need(1)] as number, top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(data.readUInt32LE(need(4)), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(memo, data[need(1)] as number, fail));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(memo, data.readUInt32LE(need(4)), fail));
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const end1 = data.indexOf(0x0a, p);
        const end2 = end1 < 0 ? -1 : data.indexOf(0x0a, end1 + 1);
        if (end2 < 0) fail('unterminated GLOBAL');
        const module = data.toString('utf8', p, end1);
        const name = data.toString('utf8', end1 + 1, end2);
        p = end2 + 1;
        stack.push(resolve(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(resolve(String(module), String(name)));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x62: {
        // BUILD: state for an OrderedDict (`_metadata`) or a tensor; neither needs it for inference.
        pop();
        const obj = top();
        if (!(obj instanceof Map) && (obj as TensorRef | undefined)?.kind !== 'tensor')
          fail('BUILD on an unexpected object');
        break;
      }
      default:
        fail(`opcode 0x${(op ?? 0).toString(16)} is not used by state dicts and is not supported`);
    }
  }
}

function asMap(v: Value, fail: (why: string) => never): Map<Value, Value> {
  return v instanceof Map ? v : fail('SETITEM on something that is not a dict');
}

function memoGet(memo: Map<number, Value>, key: number, fail: (why: string) => never): Value {
  return memo.has(key) ? memo.get(key) : fail(`memo key ${key} was never stored`);
}
